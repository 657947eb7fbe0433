import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelFor, parseLabelFile } from '../../core/labels';

test('one label per line, trimmed, CRLF tolerated, final newline dropped', () => {
  assert.deepEqual(parseLabelFile('background\r\n tench \ngoldfish\n'), ['background', 'tench', 'goldfish']);
  assert.deepEqual(parseLabelFile('a\nb'), ['a', 'b']);
});

test('inner empty lines stay as placeholders so indices keep matching', () => {
  assert.deepEqual(parseLabelFile('a\n\nc\n'), ['a', '', 'c']);
  assert.deepEqual(parseLabelFile(''), []);
  assert.deepEqual(parseLabelFile('\n'), ['']);
});

test('labelFor: offset, out of range and empty labels', () => {
  const labels = ['tench', '', 'goldfish'];
  assert.equal(labelFor(labels, 0, 0), 'tench');
  assert.equal(labelFor(labels, 3, 1), 'goldfish');
  assert.equal(labelFor(labels, 0, 1), 'class 0');
  assert.equal(labelFor(labels, 3, 0), 'class 3');
  assert.equal(labelFor(labels, 2, 1), 'class 2');
});
