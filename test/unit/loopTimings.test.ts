import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopTimingLog, median, summarize } from '../../core/loopTimings';

const webview = (postedAt: number) => ({ renderMs: 4, readbackMs: 1, postedAt });
const host = (postedAt: number) => ({ transferMs: 2, perturbMs: 3, preprocessMs: 0.5, runMs: 10, extractMs: 0.25, postedAt });

test('joins webview, host and panel timings of one frame', () => {
  const log = new LoopTimingLog();
  log.frameDone(7, webview(1000), host(1015));
  log.painted('predictions', 7, 1017, 3);
  log.painted('activations', 7, 1016, 6);
  const [r] = log.list();
  assert.deepEqual(r.backMs, { predictions: 2, activations: 1 });
  assert.deepEqual(r.paintMs, { predictions: 3, activations: 6 });
  assert.equal(r.totalMs, 22); // activations: received 1016 + paint 6 - posted 1000
  assert.equal(r.runMs, 10);
  assert.equal(r.perturbMs, 3);
});

test('ignores paints of unknown frames and keeps only the newest frames', () => {
  const log = new LoopTimingLog(3);
  for (let i = 0; i < 5; i++) log.frameDone(i, webview(i), host(i + 1));
  log.painted('predictions', 0, 5, 1);
  assert.deepEqual(log.list().map((r) => r.frameId), [2, 3, 4]);
  assert.equal(log.list().some((r) => r.paintMs.predictions !== undefined), false);
});

test('median and summary over complete records', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  const log = new LoopTimingLog();
  log.frameDone(1, webview(0), host(10));
  log.painted('predictions', 1, 12, 2);
  log.frameDone(2, webview(100), host(110));
  log.painted('predictions', 2, 111, 4);
  log.painted('activations', 2, 113, 1);
  const both = summarize(log.list(), ['predictions', 'activations']);
  assert.equal(both.frames, 1);
  assert.equal(both.backMs, 3);
  const one = summarize(log.list(), ['predictions']);
  assert.equal(one.frames, 2);
  assert.equal(one.paintMs, 3);
});
