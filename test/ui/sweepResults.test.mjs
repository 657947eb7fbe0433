// The sweep results view (webview/sweepResults/) in a real browser (Debian Chromium via playwright-core), without VS
// Code: the harness fakes the host (scripts/webview-harness.mjs). A results message made from small hand-made CSV text
// goes in; the line chart, heatmap, table and shape bias come out, and clicks must post `openConfiguration` with the
// configuration the CSV says. Screenshots go to test-results/screenshots/.
// Run: `node --test test/ui/sweepResults.test.mjs` (builds the webviews first when the bundles are missing or stale).
import assert from 'node:assert/strict';

import { describe, test } from 'node:test';
import { harnessSuite, posted, shot } from './harnessPage.mjs';

// Grid camera.azimuth [0, 90, 180] x light.intensity [0.5, 1] (last fastest): config = 2 * azimuthIndex + lightIndex.
const CSV = `config,camera.azimuth,light.intensity,model,top1_label,top1_prob,top2_label,top2_prob,p:cat,error
0,0,0.5,a,cat,0.81,dog,0.1,0.81,
0,0,0.5,b,dog,0.6,cat,0.3,0.3,
1,0,1,a,cat,0.7,dog,0.2,0.7,
1,0,1,b,dog,0.66,cat,0.25,0.25,
2,90,0.5,a,cat,0.52,dog,0.4,0.52,
2,90,0.5,b,dog,0.5,cat,0.45,0.45,
3,90,1,a,dog,0.55,cat,0.35,0.35,
3,90,1,b,cat,0.58,dog,0.3,0.58,
4,180,0.5,a,dog,0.74,cat,0.2,0.2,
4,180,0.5,b,,,,,,"model failed"
5,180,1,a,dog,0.93,cat,0.04,0.04,
5,180,1,b,cat,0.9,dog,0.05,0.9,
`;

function parse(text) {
  const [header, ...rows] = text.trim().split('\n').map((l) => l.replace(/"/g, '').split(','));
  return { header, rows };
}

function resultsMessage(text, run = {}) {
  const { header, rows } = parse(text);
  const params = header.slice(1, header.indexOf(header.includes('shape_class') ? 'shape_class' : 'model'));
  return {
    type: 'sweepResults',
    run: {
      name: 'ui-grid',
      folder: '.perturber/runs/ui-grid',
      parameters: params,
      models: [
        { id: 'a', displayName: 'Model A' },
        { id: 'b', displayName: 'Model B' },
      ],
      configurations: new Set(rows.map((r) => r[0])).size,
      done: new Set(rows.map((r) => r[0])).size,
      complete: true,
      date: '2026-11-29T09:00:00.000Z',
      ...run,
    },
    header,
    rows,
  };
}

/** The points' or cells' centres as last drawn, once the chart has its size (it draws again after a resize). */
async function hits(page, selector) {
  await page.waitForFunction((s) => {
    const canvas = document.querySelector(s);
    const list = JSON.parse(canvas.dataset.hits ?? '[]');
    return canvas.clientWidth > 0 && list.length > 0 && list.every((h) => h.x > 0 && h.x < canvas.clientWidth && h.y > 0 && h.y < canvas.clientHeight);
  }, selector);
  return page.evaluate((s) => JSON.parse(document.querySelector(s).dataset.hits), selector);
}

/** Clicks at a hit (canvas CSS pixels) and returns the index of the openConfiguration message it posted. */
async function clickHit(page, selector, hit) {
  const before = (await posted(page, 'openConfiguration')).length;
  await page.locator(selector).click({ position: { x: hit.x, y: hit.y } });
  await page.waitForFunction((n) => window.__posted.filter((m) => m.type === 'openConfiguration').length > n, before, { timeout: 5000 });
  return (await posted(page, 'openConfiguration')).at(-1).index;
}

describe('sweep results view in Chromium', () => {
  const suite = harnessSuite({ bundles: ['sweepResults'] });
  const { errors } = suite;

  test('line chart per model, heatmap, table; clicks post the configuration the CSV says', async () => {
    const page = await suite.open('sweepResults', { viewport: { width: 1100, height: 1500 } });
    await page.evaluate((m) => window.__deliver(m), resultsMessage(CSV));
    await page.waitForFunction(() => document.body.dataset.rows === '12');
    const { rows } = parse(CSV);

    // Line chart: one line per model, one point per azimuth value; by default "the other parameters averaged".
    const line = page.locator('#line-chart');
    assert.equal(await line.getAttribute('data-series'), '2');
    assert.equal(await line.getAttribute('data-points'), '3');
    const lineHits = await hits(page, '#line-chart');
    assert.equal(lineHits.length, 6);
    // Each mean point opens the first configuration of its azimuth: 0, 2, 4 (for both models).
    const firstConfig = (az) => Math.min(...rows.filter((r) => Number(r[1]) === az).map((r) => Number(r[0])));
    assert.deepEqual([...new Set(lineHits.map((h) => h.config))].sort(), [firstConfig(0), firstConfig(90), firstConfig(180)].sort());
    // The middle point along x is azimuth 90.
    const middle = [...lineHits].sort((p, q) => p.x - q.x)[2];
    assert.equal(await clickHit(page, '#line-chart', middle), firstConfig(90));

    // Heatmap of model a: 3 x 2 cells; the top-right cell is azimuth 180, light 1 (light grows upwards).
    const map = page.locator('#heatmap');
    assert.equal(await map.getAttribute('data-cells'), '6');
    assert.equal(await map.getAttribute('data-filled'), '6');
    const cells = await hits(page, '#heatmap');
    const topRight = [...cells].sort((p, q) => q.x - p.x || p.y - q.y)[0];
    const expected = rows.find((r) => r[1] === '180' && r[2] === '1')[0];
    assert.equal(await clickHit(page, '#heatmap', topRight), Number(expected));

    // Table: every row; a click opens its configuration; sorting by top1_prob descending puts the largest first.
    assert.equal(await page.locator('#rows tbody tr').count(), 12);
    const before = (await posted(page, 'openConfiguration')).length;
    await page.locator('#rows tbody tr[data-config="3"]').first().click();
    await page.waitForFunction((n) => window.__posted.filter((m) => m.type === 'openConfiguration').length > n, before);
    assert.equal((await posted(page, 'openConfiguration')).at(-1).index, 3);
    await page.locator('#rows th button[data-column="top1_prob"]').click();
    await page.locator('#rows th button[data-column="top1_prob"]').click();
    const best = rows.filter((r) => r[5] !== '').sort((p, q) => Number(q[5]) - Number(p[5]))[0];
    assert.equal(await page.locator('#rows tbody tr').first().getAttribute('data-config'), best[0]);
    assert.equal(await page.locator('#rows tbody tr').last().getAttribute('class'), 'has-error', 'the failed row (empty top1_prob) sorts last');

    // Fixing light.intensity to 1: each point is exactly one configuration.
    await page.selectOption('#aggregation', 'fixed');
    await page.selectOption('#fixed-values select[data-parameter="light.intensity"]', '1');
    await page.waitForFunction(() => JSON.parse(document.querySelector('#line-chart').dataset.hits).every((h) => h.config % 2 === 1));
    const fixedHits = await hits(page, '#line-chart');
    const rightmost = [...fixedHits].sort((p, q) => q.x - p.x)[0];
    assert.equal(await clickHit(page, '#line-chart', rightmost), Number(expected));
    await page.selectOption('#aggregation', 'mean');

    // The y metric picker offers the p: class and the top-k labels, probability and top-1 rate.
    const metrics = await page.locator('#metric option').allInnerTexts();
    assert.ok(metrics.includes('P(cat)') && metrics.includes('P(dog)') && metrics.includes('top-1 rate of dog'), metrics.join(' | '));
    assert.equal(await page.locator('#shape-bias').isHidden(), true);
    await page.waitForTimeout(150);
    await shot(page, 'sweep-results');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('shape bias per model, paging of many rows, and the error state', async () => {
    const page = await suite.open('sweepResults', { viewport: { width: 1000, height: 1300 } });
    const lines = ['config,camera.azimuth,shape_class,texture_class,model,top1_label,top1_prob,error'];
    const pairs = [['dog', 'cat'], ['cat', 'car'], ['car', 'chair']];
    const picks = { a: ['dog', 'car', 'car'], b: ['cat', 'cat', 'boat'] };
    let config = 0;
    for (let p = 0; p < pairs.length; p++) {
      for (let k = 0; k < 40; k++, config++) {
        for (const model of ['a', 'b']) lines.push(`${config},${k * 9},${pairs[p][0]},${pairs[p][1]},${model},${picks[model][p]},0.5,`);
      }
    }
    const message = resultsMessage(lines.join('\n') + '\n');
    await page.evaluate((m) => window.__deliver(m), message);
    await page.waitForFunction(() => document.body.dataset.rows === '240');
    // a: shape (dog), texture (car), shape (car); b: texture (cat), shape (cat), other (boat): 40 rows each.
    const row = (model) => page.locator(`#shape-bias tr[data-model="${model}"] td`).allInnerTexts();
    assert.deepEqual((await row('a')).slice(1), ['80', '40', '0']);
    assert.deepEqual((await row('b')).slice(1), ['40', '40', '40']);
    assert.match((await row('a'))[0], /66\.7%/);
    assert.match((await row('b'))[0], /50\.0%/);
    // 240 rows, 100 per page.
    assert.equal(await page.locator('#rows tbody tr').count(), 100);
    await page.locator('#rows-next').click();
    await page.locator('#rows-next').click();
    assert.equal(await page.locator('#rows tbody tr').count(), 40);
    assert.equal(await page.locator('#heatmap-section').isHidden(), true, 'one parameter: no heatmap');
    await page.waitForTimeout(150);
    await shot(page, 'sweep-results-shape-bias');

    await page.evaluate(() => window.__deliver({ type: 'sweepError', name: 'broken-run', message: 'results.csv line 7 has 3 fields; the header has 9' }));
    await page.locator('#error').waitFor({ state: 'visible' });
    assert.match(await page.locator('#error').innerText(), /line 7 has 3 fields/);
    assert.equal(await page.locator('#content').isHidden(), true);
    await page.evaluate(() => window.__deliver({ type: 'openFailed', index: 4, message: "the run's scene is gone" }));
    assert.match(await page.locator('#open-status').innerText(), /configuration 4: the run's scene is gone/);
    await shot(page, 'sweep-results-error');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
