/** The model inspector's message guard (core/inspectorMessages.ts): known types pass rebuilt, anything else is refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInspectorMessage, parseInspectorMessage } from '../../core/inspectorMessages';

test('the four message types pass, rebuilt', () => {
  for (const type of ['ready', 'createManifest', 'editManifest', 'addToScene']) {
    const raw = { type };
    const parsed = parseInspectorMessage(raw);
    assert.deepEqual(parsed, { type });
    assert.notEqual(parsed, raw);
  }
});

test('malformed messages are refused with a reason, never thrown', () => {
  const withProto = JSON.parse('{"type": "ready", "__proto__": {"x": 1}}') as unknown;
  const cases: unknown[] = [
    null, undefined, 1, 'ready', [], [{ type: 'ready' }], {}, { type: 1 }, { type: 'deleteModel' }, { type: 'x'.repeat(10_000) },
    { type: 'addToScene', scene: '/tmp/x.perturber.json' }, { type: 'createManifest', path: '../../etc' }, withProto,
    Object.create({ type: 'ready' }) as unknown, new (class { type = 'ready'; })(),
  ];
  for (const raw of cases) {
    const parsed = parseInspectorMessage(raw);
    assert.equal(isInspectorMessage(parsed), false, JSON.stringify(raw)?.slice(0, 60));
    assert.ok('error' in parsed && parsed.error.length > 0 && parsed.error.length < 200);
  }
});
