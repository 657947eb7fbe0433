// The scene editor's Sweep section (issue 8) in Chromium with the harness: for a grid, random sampling and cue-conflict
// pairs, the configuration count shown equals core/sweep/configurations.ts expandConfigurations' length (compiled in
// out/); the parameters, sampling and models are listed; "Run sweep" and "Show results" post `runSweep` and
// `showSweepResults`; the host's `sweepRun` shows the run's state; a problem under `sweep` shows "see Problems"; every
// control has hover help naming its place in the scene file; a scene without a sweep gets a one-line hint.
// Screenshot: test-results/screenshots/sweep-section.png.
// Run: `node --test test/ui/sweepSection.test.mjs`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { deliverScene, harnessSuite, posted, ROOT, shot } from './harnessPage.mjs';

const require = createRequire(import.meta.url);
let expandConfigurations;

/** The compiled core module (tsc -p test/tsconfig.json), compiled first when out/ is missing or older. */
function loadCore() {
  const out = join(ROOT, 'out', 'core', 'sweep', 'configurations.js');
  const src = join(ROOT, 'core', 'sweep', 'configurations.ts');
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'test/tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
    if (!existsSync(out)) throw new Error(`tsc did not produce ${out}:\n${r.stdout}\n${r.stderr}`);
  }
  return require(out);
}

function scene(sweep, extra = {}) {
  return {
    version: 2,
    name: 'Sweep section',
    object: { kind: 'builtin', name: 'dog', seed: 0, params: {}, morph: null, yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
    material: { color: '#c08040', texture: { kind: 'builtin', name: 'fur', seed: 0 }, texture2: null, textureMorph: 0, textureScale: 1, roughness: 0.6, metalness: 0 },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: { kind: 'color', color: '#808080', blur: 0, rotation: 0, brightness: 1 },
    light: { azimuth: 45, elevation: 30, intensity: 1, ambient: 0.4 },
    camera: { azimuth: 0, elevation: 10, distance: 3, translateX: 0, translateY: 0, roll: 0, fov: 40 },
    models: [{ id: 'standard', path: 'builtin:fixture', watch: [] }, { id: 'other', path: 'builtin:fixture', watch: [] }],
    perturbations: [{ op: 'gaussianBlur', enabled: true, seed: 0, params: { sigma: 1 } }],
    ...(sweep ? { sweep } : {}),
    ...extra,
  };
}

const GRID = {
  name: 'orbit-grid',
  parameters: [
    { path: 'camera.azimuth', range: { from: -180, to: 180, steps: 7 } },
    { path: 'camera.elevation', values: [0, 20, 40] },
  ],
  models: ['standard'],
};
const RANDOM = { name: 'random-blur', sampling: 'random', samples: 13, seed: 4, parameters: [{ path: 'perturbations[0].params.sigma', range: { from: 0, to: 3, steps: 2 } }] };
const PAIRS = {
  ...GRID,
  name: 'shape-bias',
  analysis: 'shapeBias',
  cueConflict: [
    { shape: 'dog', texture: { kind: 'builtin', name: 'tabby', seed: 0 }, textureClass: 'cat' },
    { shape: 'cat', texture: { kind: 'builtin', name: 'fur', seed: 0 }, textureClass: 'dog' },
  ],
};

async function rowText(page, key) {
  return page.locator(`[data-group="Sweep"] [data-sweep="${key}"] .sweep-value`).innerText();
}

describe('scene editor: the Sweep section', () => {
  const suite = harnessSuite({ bundles: ['scene'] });
  before(() => {
    ({ expandConfigurations } = loadCore());
  });

  test('counts equal expandConfigurations; buttons post runSweep / showSweepResults; the run state shows', async () => {
    const page = await suite.open('scene', { viewport: { width: 1100, height: 1500 } });
    const counts = [];
    for (const [spec, expected] of [[GRID, 21], [RANDOM, 13], [PAIRS, 42]]) {
      await deliverScene(page, { docVersion: counts.length + 1, scene: scene(spec) });
      await page.locator('[data-sweep="configurations"]').waitFor({ state: 'visible', timeout: 10_000 });
      await page.waitForFunction((name) => document.querySelector('[data-sweep="name"] .sweep-value')?.textContent === name, spec.name);
      const shown = Number(await rowText(page, 'configurations'));
      const length = expandConfigurations(spec).length;
      counts.push(`${spec.name}: shown ${shown}, expandConfigurations ${length}`);
      assert.equal(shown, length, spec.name);
      assert.equal(length, expected, `${spec.name}: the spec's own arithmetic`);
    }
    console.log(`# ${counts.join('; ')}`);
    // The shape-bias scene's rows.
    assert.equal(await rowText(page, 'parameter-0'), 'camera.azimuth: -180 to 180, 7 steps');
    assert.equal(await rowText(page, 'parameter-1'), 'camera.elevation: 0, 20, 40');
    assert.equal(await rowText(page, 'sampling'), 'grid (every combination)');
    assert.equal(await rowText(page, 'cueConflict'), '2 pairs, shape bias');
    assert.equal(await rowText(page, 'models'), 'standard');
    assert.equal(await rowText(page, 'run'), 'not run yet');

    // Buttons: Run sweep posts; Show results waits for a run.
    const run = page.locator('[data-group="Sweep"] button.sweep-run');
    const results = page.locator('[data-group="Sweep"] button.sweep-results');
    assert.equal(await results.isDisabled(), true, 'no run yet: nothing to show');
    await run.click();
    assert.deepEqual(await posted(page, 'runSweep'), [{ type: 'runSweep' }]);
    await page.evaluate(() => window.__deliver({ type: 'sweepRun', run: { folder: '.perturber/runs/shape-bias', done: 0, total: 42, complete: false, current: true, running: true } }));
    await page.waitForFunction(() => document.querySelector('[data-sweep="run"] .sweep-value')?.textContent?.includes('running'));
    assert.equal(await run.isDisabled(), true, 'no second run while one is going');
    await page.evaluate(() => window.__deliver({ type: 'sweepRun', run: { folder: '.perturber/runs/shape-bias', done: 17, total: 42, complete: false, current: true, running: false, date: '2026-01-01T00:00:00Z' } }));
    await page.waitForFunction(() => document.querySelector('[data-sweep="run"] .sweep-value')?.textContent?.startsWith('17/42'));
    assert.equal(await rowText(page, 'run'), '17/42 configurations, stopped (Run sweep continues it)');
    assert.equal(await run.isDisabled(), false);
    await results.click();
    assert.deepEqual(await posted(page, 'showSweepResults'), [{ type: 'showSweepResults' }]);
    await page.evaluate(() => window.__deliver({ type: 'sweepRun', run: { folder: '.perturber/runs/shape-bias', done: 42, total: 42, complete: true, current: false, running: false } }));
    await page.waitForFunction(() => document.querySelector('[data-sweep="run"] .sweep-value')?.textContent?.startsWith('42/42'));
    assert.equal(await rowText(page, 'run'), '42/42 configurations, complete (of an earlier version of this scene)');

    // Hover help on every row and button, naming the place in the scene file.
    const titles = await page.evaluate(() =>
      [...document.querySelectorAll('[data-group="Sweep"] button, [data-group="Sweep"] [data-sweep]')].map((e) => ({ key: e.getAttribute('data-sweep') ?? e.textContent, title: e.getAttribute('title') ?? '' })),
    );
    assert.ok(titles.length >= 10, `${titles.length} controls`);
    assert.deepEqual(titles.filter((t) => !/ in the scene file/.test(t.title)), []);
    assert.match(titles.find((t) => t.key === 'parameter-1').title, /sweep\.parameters\[1\] in the scene file/);
    const path = await shot(page, 'sweep-section', page.locator('[data-group="Sweep"]'));
    console.log(`# screenshot ${path}`);
    await page.close();
    assert.deepEqual(suite.errors, []);
  });

  test('a problem under "sweep" shows "see Problems"; no sweep: a hint and no buttons', async () => {
    const page = await suite.open('scene');
    const diagnostics = [{ message: 'something about the sweep', path: 'sweep.parameters[0].path', offset: 0, length: 1, severity: 'warning' }];
    await deliverScene(page, { docVersion: 1, scene: scene(GRID), diagnostics });
    await page.locator('[data-sweep="configurations"]').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await rowText(page, 'configurations'), 'see Problems');
    // The same scene without the problem: the count again.
    await deliverScene(page, { docVersion: 2, scene: scene(GRID) });
    await page.waitForFunction(() => document.querySelector('[data-sweep="configurations"] .sweep-value')?.textContent === '21');
    // A sweep with an attack says so (defaults filled).
    await deliverScene(page, { docVersion: 3, scene: scene({ ...GRID, attack: { model: 'standard', class: 'cat', epsilon: 0.03 } }) });
    await page.locator('[data-sweep="attack"]').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await rowText(page, 'attack'), 'PGD targeted linf, epsilon 0.03, 10 steps on standard (cat)');

    await deliverScene(page, { docVersion: 4, scene: scene(undefined) });
    await page.locator('[data-group="Sweep"] .sweep-hint').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await page.locator('[data-group="Sweep"] .sweep-hint').innerText(), 'Add a "sweep" section to vary parameters; see README Sweeps.');
    assert.equal(await page.locator('[data-group="Sweep"] .sweep-buttons').isVisible(), false);
    assert.equal(await page.locator('[data-group="Sweep"] [data-sweep]').count(), 0);
    // The buttons post nothing while hidden, and nothing was posted by showing the section.
    assert.deepEqual(await posted(page, 'runSweep'), []);
    await shot(page, 'sweep-section-none', page.locator('[data-group="Sweep"]'));
    await page.close();
    assert.deepEqual(suite.errors, []);
  });
});
