/**
 * Seeded fuzzing of the webview message guards (core/messageGuards.ts): for each guard, at least 1,000 messages made
 * from every valid message type (valid ones, mutations of one field at a time, whole-message junk; generator in
 * messageFuzzCases.ts). Checked: no guard throws; every mutation is refused with a reason; every valid message comes
 * back equal; and anything accepted satisfies its type's invariants (the property the host relies on).
 * PERTURBER_FUZZ_SEED=n runs another seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAccepted, parsePanelMessage, parseSceneMessage, parseSweepResultsMessage } from '../../core/messageGuards';
import { describe, generate, PANEL_SPECS, SCENE_SPECS, SWEEP_SPECS, type MessageSpec } from './messageFuzzCases';

const SEED = Number(process.env.PERTURBER_FUZZ_SEED ?? 20260929);
const PER_GUARD = 1500;


type Guard = (msg: unknown) => { type: string; [key: string]: unknown } | { error: string };

interface Tally {
  messages: number;
  rejected: number;
  accepted: number;
  mutations: number;
}

function runGuard(name: string, guard: Guard, specs: MessageSpec[], seed: number): Tally {
  const cases = generate(seed, specs, PER_GUARD);
  const tally: Tally = { messages: cases.length, rejected: 0, accepted: 0, mutations: 0 };
  for (const [i, c] of cases.entries()) {
    const where = `${name} case ${i} (${c.how}, seed ${seed})`;
    let result: ReturnType<Guard> | undefined;
    assert.doesNotThrow(() => {
      result = guard(c.msg);
    }, where);
    assert.ok(result !== null && typeof result === 'object', `${where}: returns an object`);
    if (!isAccepted(result)) {
      const out = result;
      tally.rejected++;
      assert.equal(typeof out.error, 'string', where);
      assert.ok(out.error.length > 0, `${where}: a reason`);
      assert.ok(out.error.length < 1000, `${where}: a short reason (not the whole value)`);
      assert.ok(c.expect === 'reject' || c.expect === 'any', `${where}: refused a valid message: ${out.error}`);
      continue;
    }
    const out = result;
    tally.accepted++;
    assert.ok(c.expect !== 'reject', `${where}: accepted a malformed message as ${describe(out)}`);
    if (c.expect === 'accept' || c.expect === 'acceptStripped') assert.deepStrictEqual(out, c.want, `${where}: comes back unchanged`);
    // The invariants, for everything accepted (random objects included).
    const spec = specs.find((s) => s.type === out.type);
    assert.ok(spec, `${where}: accepted an unknown type ${String(out.type)}`);
    const declared = new Set(['type', ...spec.fields.map((f) => f.name)]);
    for (const key of Reflect.ownKeys(out)) assert.ok(typeof key === 'string' && declared.has(key), `${where}: undeclared key ${String(key)} passed on`);
    assert.equal(Object.getPrototypeOf(out), Object.prototype, `${where}: a plain object`);
    spec.check?.(out as Record<string, unknown>);
  }
  tally.mutations = cases.filter((c) => c.expect === 'reject').length;
  // Nothing leaked into the shared prototype.
  assert.equal((({}) as Record<string, unknown>).polluted, undefined, 'Object.prototype polluted');
  console.log(`FUZZ ${name}: ${tally.messages} messages, ${tally.mutations} malformed by construction, ${tally.rejected} rejected, ${tally.accepted} accepted`);
  return tally;
}

test('parseSceneMessage: >= 1000 seeded valid, mutated and junk messages', () => {
  const t = runGuard('parseSceneMessage', parseSceneMessage as Guard, SCENE_SPECS, SEED);
  assert.ok(t.messages >= 1000 && t.mutations >= 500 && t.accepted >= 200);
});

test('parsePanelMessage: >= 1000 seeded valid, mutated and junk messages', () => {
  const t = runGuard('parsePanelMessage', parsePanelMessage as Guard, PANEL_SPECS, SEED + 1);
  assert.ok(t.messages >= 1000 && t.mutations >= 500 && t.accepted >= 200);
});

test('parseSweepResultsMessage: >= 1000 seeded valid, mutated and junk messages', () => {
  const t = runGuard('parseSweepResultsMessage', parseSweepResultsMessage as Guard, SWEEP_SPECS, SEED + 2);
  assert.ok(t.messages >= 1000 && t.mutations >= 300 && t.accepted >= 200);
});

test('-0 integers come back as 0, and a prototype-supplied field is refused', () => {
  const frame = parseSceneMessage({ type: 'painted' });
  assert.ok('error' in frame);
  const painted = parsePanelMessage({ type: 'painted', frameId: -0, paintMs: -0, receivedAt: 1 }) as Record<string, unknown>;
  assert.ok(Object.is(painted.frameId, 0));
  assert.ok('error' in parsePanelMessage(Object.assign(Object.create({ type: 'openImage', path: 'a.png' }), {})));
  assert.ok('error' in parseSceneMessage({ type: 'frame', frameId: 1, docVersion: 1, timing: { renderMs: 1, readbackMs: 1, postedAt: 1 }, images: [Object.create({ width: 1, height: 1, pixels: new Uint8Array(4) })] }));
});

test('isAccepted tells a refusal from a valid renderFailed (which has an error field too)', () => {
  const failed = parseSceneMessage({ type: 'renderFailed', requestId: 3, error: 'no WebGL' });
  assert.ok('error' in failed, 'why `error in result` is the wrong test');
  assert.equal(isAccepted(failed), true);
  assert.equal(isAccepted(parseSceneMessage({ type: 'renderFailed', requestId: -1, error: 'x' })), false);
});

/** The generator itself: the same seed gives the same messages (a failure reproduces). */
test('the generator is deterministic per seed', () => {
  const a = generate(7, SCENE_SPECS, 50).map((c) => c.how);
  const b = generate(7, SCENE_SPECS, 50).map((c) => c.how);
  assert.deepEqual(a, b);
});

