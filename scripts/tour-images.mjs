#!/usr/bin/env node
// Copies the walkthrough pictures the tour test took (test/ui/tour.test.mjs -> test-results/screenshots/tour-*.png)
// into media/tour/, where the walkthrough (package.json contributes.walkthroughs) and the README's tour show them.
// Run after `npm test` (or `node --test test/ui/tour.test.mjs`) when the UI changed; commit the result.
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './codeServer.mjs';

export const TOUR_IMAGES = ['walkthrough', 'scene-editor', 'compare-models', 'attack', 'activations', 'texture-morph', 'sweep-results'];

const from = join(REPO, 'test-results', 'screenshots');
const to = join(REPO, 'media', 'tour');
mkdirSync(to, { recursive: true });
const missing = TOUR_IMAGES.filter((name) => !existsSync(join(from, `tour-${name}.png`)));
if (missing.length > 0) {
  console.error(`tour-images: no screenshot for ${missing.join(', ')} in ${from}; run node --test test/ui/tour.test.mjs first`);
  process.exit(1);
}
for (const name of TOUR_IMAGES) {
  copyFileSync(join(from, `tour-${name}.png`), join(to, `${name}.png`));
  console.log(`media/tour/${name}.png  ${(statSync(join(to, `${name}.png`)).size / 1024).toFixed(0)} KiB`);
}
