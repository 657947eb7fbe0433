/**
 * Checkpoint families, pure parts: the manifest's `checkpoints` (schema and path rules), the scene's
 * `models[].checkpoint`, the slider stops, and the guards of the panels' trend messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkpointIndexProblem, checkpointPathProblem, checkpointStops, FINAL_LABEL, stopIndex } from '../../core/checkpoints';
import { parseManifest } from '../../core/manifest';
import { parsePanelMessage } from '../../core/messageGuards';
import { parseScene } from '../../core/scene';

const FIXTURE_MANIFEST = path.resolve(__dirname, '..', '..', '..', 'models', 'fixture', 'fixture.model.json');
const FAMILY_MANIFEST = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'checkpoints', 'hue.model.json');

function manifestWith(checkpoints: unknown): string {
  const manifest = JSON.parse(readFileSync(FIXTURE_MANIFEST, 'utf8')) as Record<string, unknown>;
  delete manifest.$schema;
  return JSON.stringify({ ...manifest, checkpoints });
}

test('a manifest may list checkpoints (label, path, optional step); the committed family parses', () => {
  const parsed = parseManifest(manifestWith([{ label: 'epoch 1', path: 'ckpt/e1.onnx', step: 1 }, { label: 'epoch 2', path: './e2.ONNX' }]));
  assert.deepEqual(parsed.errors, []);
  assert.deepEqual(parsed.manifest?.checkpoints, [{ label: 'epoch 1', path: 'ckpt/e1.onnx', step: 1 }, { label: 'epoch 2', path: './e2.ONNX' }]);
  const family = parseManifest(readFileSync(FAMILY_MANIFEST, 'utf8'));
  assert.deepEqual(family.errors, []);
  const listed = family.manifest?.checkpoints;
  assert.deepEqual(Array.isArray(listed) ? listed.map((c) => c.label) : listed, ['step 0', 'step 1', 'step 2']);
  // Without checkpoints nothing is filled in: a plain model stays a plain model.
  assert.equal(parseManifest(readFileSync(FIXTURE_MANIFEST, 'utf8')).manifest?.checkpoints, undefined);
});

test('checkpoint entries are checked: fields, types, .onnx, and paths that leave the folder or are URLs', () => {
  const errors = (checkpoints: unknown) => parseManifest(manifestWith(checkpoints)).errors.join('\n');
  assert.match(errors([{ path: 'a.onnx' }]), /\/checkpoints\/0 must have required property 'label'/);
  assert.match(errors([{ label: 'a', path: 'a.onnx', epoch: 3 }]), /unknown property "epoch"/);
  assert.match(errors([{ label: 'a', path: 'a.pt' }]), /\/checkpoints\/0\/path must match pattern/);
  assert.match(errors([{ label: 'a', path: 'a.onnx', step: -1 }]), /\/checkpoints\/0\/step must be >= 0/);
  assert.match(errors(3), /\/checkpoints must be a list of checkpoints, a file pattern, or \{"pattern": \.\.\.\}/);
  assert.match(errors([{ label: 'a', path: '../other/a.onnx' }]), /\/checkpoints\/0\/path "..\/other\/a.onnx" leaves the manifest's folder/);
  assert.match(errors([{ label: 'a', path: 'x/../../a.onnx' }]), /leaves the manifest's folder/);
  assert.match(errors([{ label: 'a', path: 'https://example.com/a.onnx' }]), /is a URL/);
  assert.match(errors([{ label: 'a', path: '/abs/a.onnx' }]), /is absolute/);
  assert.match(errors([{ label: 'a', path: 'C:\\models\\a.onnx' }]), /is absolute|is a URL/);
  assert.equal(checkpointPathProblem('sub/../a.onnx'), undefined);
  assert.equal(checkpointPathProblem('sub\\a.onnx'), undefined);
});

test('slider stops: one per checkpoint, then "final" unless the last checkpoint is the own file', () => {
  const two = [{ label: 'e1', path: 'e1.onnx', step: 10 }, { label: 'e2', path: 'e2.onnx' }];
  assert.deepEqual(checkpointStops(two, 'model.onnx'), [
    { value: 0, label: 'e1', step: 10 },
    { value: 1, label: 'e2' },
    { value: null, label: FINAL_LABEL },
  ]);
  const ownLast = [{ label: 'e1', path: 'e1.onnx' }, { label: 'e2 (final)', path: './model.onnx' }];
  assert.deepEqual(checkpointStops(ownLast, 'model.onnx'), [{ value: 0, label: 'e1' }, { value: 1, label: 'e2 (final)' }]);
  const stops = checkpointStops(two, 'model.onnx');
  assert.equal(stopIndex(stops, null), 2);
  assert.equal(stopIndex(stops, undefined), 2);
  assert.equal(stopIndex(stops, 1), 1);
  assert.equal(stopIndex(stops, 7), -1);
  // When the own file is the last checkpoint, null shows on that stop.
  assert.equal(stopIndex(checkpointStops(ownLast, 'model.onnx'), null), 1);
});

test('a checkpoint index beyond the family (or on a model without one) is a readable problem', () => {
  assert.equal(checkpointIndexProblem(null, 3, 'm.model.json'), undefined);
  assert.equal(checkpointIndexProblem(2, 3, 'm.model.json'), undefined);
  assert.equal(checkpointIndexProblem(3, 3, 'm.model.json'), 'checkpoint 3 is beyond the checkpoint family of m.model.json (3 checkpoints: 0..2)');
  assert.match(checkpointIndexProblem(0, 0, 'm.model.json') ?? '', /m.model.json lists no checkpoints/);
});

test('scenes accept models[].checkpoint as an integer >= 0 or null, and locate anything else', () => {
  const scene = (checkpoint: unknown) =>
    parseScene(JSON.stringify({ version: 2, models: [{ id: 'a', path: 'builtin:fixture', checkpoint }] }));
  assert.equal(scene(2).scene?.models[0].checkpoint, 2);
  assert.equal(scene(null).scene?.models[0].checkpoint, null);
  const absent = parseScene(JSON.stringify({ version: 2, models: [{ id: 'a', path: 'builtin:fixture' }] }));
  assert.equal(absent.scene?.models[0].checkpoint, undefined, 'no default is filled in');
  for (const bad of [-1, 1.5, '1', true]) {
    const parsed = scene(bad);
    assert.equal(parsed.scene, null, JSON.stringify(bad));
    assert.ok(parsed.diagnostics.some((d) => d.path.startsWith('models[0].checkpoint') || d.path.startsWith('models.0.checkpoint')), JSON.stringify(parsed.diagnostics));
  }
});

test('panel trend messages are guarded strictly', () => {
  assert.deepEqual(parsePanelMessage({ type: 'checkpointTrend', modelId: 'ft' }), { type: 'checkpointTrend', modelId: 'ft' });
  assert.deepEqual(parsePanelMessage({ type: 'checkpointTrend', modelId: null, extra: 1 }), { type: 'checkpointTrend', modelId: null });
  assert.deepEqual(parsePanelMessage({ type: 'saveCheckpointTrend' }), { type: 'saveCheckpointTrend' });
  for (const modelId of [undefined, '', 3, 'x'.repeat(65), ['a'], { id: 'a' }]) {
    const result = parsePanelMessage({ type: 'checkpointTrend', modelId });
    assert.ok('error' in result && /checkpointTrend.modelId must be/.test(result.error), JSON.stringify(result));
  }
});
