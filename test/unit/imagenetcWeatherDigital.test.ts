/**
 * ImageNet-C weather / digital / held-out ops against reference values computed by the reference Python formulas
 * (test/unit/fixtures/perturbations/imagenetc-weather-digital/make_reference.py, on ../input64.png). Random ops
 * are fed the very random fields the reference drew; their field generators are tested for determinism and
 * statistics. Outputs are compared as floats before the reference's 8-bit quantisation (stored as 16-bit, so
 * 1 / 65535 of storage error is part of every tolerance).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { FloatImage } from '../../core/perturbations/types';
import { brightnessTransform, contrastTransform, saturateTransform } from '../../core/perturbations/imagenetC/colorOps';
import { elasticAffine, elasticTransformWith } from '../../core/perturbations/imagenetC/elasticTransform';
import { fogBlend, plasmaFractal } from '../../core/perturbations/imagenetC/fog';
import { frostBlend } from '../../core/perturbations/imagenetC/frost';
import { jpegRoundTrip, JPEG_QUALITY } from '../../core/perturbations/imagenetC/jpegCompression';
import { pixelateTransform } from '../../core/perturbations/imagenetC/pixelate';
import { canny, distanceTransform5, spatterWith } from '../../core/perturbations/imagenetC/spatter';
import {
  drawElasticFields,
  drawFogPlasma,
  drawFrostTexture,
  drawSpatterField,
  WEATHER_DIGITAL_OPS,
} from '../../core/perturbations/imagenetC/weatherDigital';
import { loadInput64 } from './perturbationInput';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'perturbations');
const DIR = path.join(FIXTURES, 'imagenetc-weather-digital');

interface Entry {
  kind: 'u8' | 'u16' | 'u16raw' | 'q12' | 'f32' | 'f64';
  shape: number[];
  offset: number;
}
const index = JSON.parse(fs.readFileSync(path.join(DIR, 'refs.json'), 'utf8')) as { arrays: Record<string, Entry> };
const blob = zlib.gunzipSync(fs.readFileSync(path.join(DIR, 'refs.bin.gz')));

/** A fixture array as float64 values (u8 raw 0..255, u16 as v / 65535, q12 as v / 4096). */
function ref(name: string): Float64Array {
  const e = index.arrays[name];
  assert.ok(e, `fixture ${name} missing`);
  const count = e.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(blob.buffer, blob.byteOffset + e.offset);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (e.kind) {
      case 'u8': out[i] = view.getUint8(i); break;
      case 'u16': out[i] = view.getUint16(2 * i, true) / 65535; break;
      case 'u16raw': out[i] = view.getUint16(2 * i, true); break;
      case 'q12': out[i] = view.getInt16(2 * i, true) / 4096; break;
      case 'f32': out[i] = view.getFloat32(4 * i, true); break;
      case 'f64': out[i] = view.getFloat64(8 * i, true); break;
    }
  }
  return out;
}

const INPUT = loadInput64();

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Max and mean absolute difference after clamping `actual` to [0, 1] (the pipeline clamps after each step). */
function diff(actual: ArrayLike<number>, expected: ArrayLike<number>, scale = 1): { max: number; mean: number; at: number } {
  assert.equal(actual.length, expected.length);
  let max = 0;
  let sum = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(clamp01(actual[i]) - expected[i] / scale);
    sum += d;
    if (d > max) {
      max = d;
      at = i;
    }
  }
  return { max, mean: sum / actual.length, at };
}

function expectClose(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, scale = 1): void {
  const d = diff(actual, expected, scale);
  assert.ok(d.max <= tol, `${name}: max abs error ${d.max} at ${d.at} (mean ${d.mean}) exceeds ${tol}`);
}

const SEVERITIES = [1, 2, 3, 4, 5];
/** 16-bit storage of the reference (0.5 / 65535) plus float32 arithmetic. */
const TOL_EXACT = 2e-5;

test('brightness, contrast and saturate match skimage / numpy (max abs error 2e-5)', () => {
  for (const s of SEVERITIES) {
    expectClose(`brightness ${s}`, brightnessTransform(INPUT, s).data, ref(`brightness/${s}/out`), TOL_EXACT);
    expectClose(`contrast ${s}`, contrastTransform(INPUT, s).data, ref(`contrast/${s}/out`), TOL_EXACT);
    expectClose(`saturate ${s}`, saturateTransform(INPUT, s).data, ref(`saturate/${s}/out`), TOL_EXACT);
  }
});

test('the plasma fractal generator reproduces the reference map from the same uniforms', () => {
  const uniforms = ref('plasma_gen/uniforms');
  let k = 0;
  const map = plasmaFractal(64, 1.7, () => uniforms[k++] / 65536);
  assert.equal(k, ref('plasma_gen/used')[0]);
  expectClose('plasma', map, ref('plasma_gen/decay1.7'), TOL_EXACT);
});

test('fog blends the reference plasma map as the reference (max abs error 2e-5)', () => {
  for (const s of SEVERITIES) {
    expectClose(`fog ${s}`, fogBlend(INPUT, ref(`fog/${s}/plasma`), 64, s).data, ref(`fog/${s}/out`), TOL_EXACT);
  }
});

test('frost blends a given texture with the reference weights (max abs error 2e-5)', () => {
  const texture = Float32Array.from(ref('frost/texture'), (v) => v / 255);
  for (const s of SEVERITIES) expectClose(`frost ${s}`, frostBlend(INPUT, texture, s).data, ref(`frost/${s}/out`), TOL_EXACT);
});

test('pixelate matches Pillow box coefficients exactly and Pillow within its 8-bit rounding', (t) => {
  for (const s of SEVERITIES) {
    const out = pixelateTransform(INPUT, s).data;
    expectClose(`pixelate ${s} (float box)`, out, ref(`pixelate/${s}/float`), TOL_EXACT);
    // Pillow rounds each of its 4 passes to 8 bits: up to 2/255 off the float result.
    const d = diff(out, ref(`pixelate/${s}/pil`), 255);
    t.diagnostic(`pixelate ${s} vs Pillow: max ${(d.max * 255).toFixed(3)}/255, mean ${(d.mean * 255).toFixed(3)}/255`);
    assert.ok(d.max <= 2 / 255 + 1e-6, `pixelate ${s} vs Pillow max ${d.max * 255}/255`);
  }
});

test('jpegCompression is bit-exact with PIL at the same quality, 4:2:0 (PIL default) and 4:4:4', () => {
  for (const s of SEVERITIES) {
    const q = JPEG_QUALITY[s - 1];
    expectClose(`jpeg ${s} 4:2:0`, jpegRoundTrip(INPUT, q).data, ref(`jpeg/${s}/default`), 1e-7, 255);
    expectClose(`jpeg ${s} 4:4:4`, jpegRoundTrip(INPUT, q, false).data, ref(`jpeg/${s}/444`), 1e-7, 255);
  }
});

test('elastic transform: affine warp (cv2) and displacement (scipy) on the same fields, max abs error 2e-5', () => {
  for (const s of SEVERITIES) {
    const affine = ref(`elastic/${s}/affine`);
    const fields = { affine, noiseX: ref(`elastic/${s}/ux`), noiseY: ref(`elastic/${s}/uy`) };
    const warped = elasticAffine(INPUT, affine);
    expectClose(`elastic ${s} warp`, warped.data, ref(`elastic/${s}/warped`), TOL_EXACT);
    const out = elasticTransformWith(INPUT, fields, s);
    expectClose(`elastic ${s}`, out.data, ref(`elastic/${s}/out`), TOL_EXACT);
    // The fixture is not trivially the input.
    assert.ok(diff(INPUT.data, ref(`elastic/${s}/out`)).max > 0.05, `elastic ${s} reference barely changes the image`);
  }
});

test('spatter: water (cv2 chain) and mud as imagecorruptions on the same field, max abs error 2e-5', () => {
  for (const s of SEVERITIES) {
    const field = ref(`spatter/${s}/normal`);
    expectClose(`spatter ${s}`, spatterWith(INPUT, field, s).data, ref(`spatter/${s}/out`), TOL_EXACT);
    assert.ok(diff(INPUT.data, ref(`spatter/${s}/out`)).max > 0.05, `spatter ${s} reference barely changes the image`);
  }
  // Intermediate stages of the water chain, exact: Canny edges and the 5x5 chamfer distance.
  const canny1 = ref('spatter/1/canny');
  const edgeCount = canny1.reduce((k, v) => k + (v === 0 ? 1 : 0), 0);
  assert.ok(edgeCount > 20, `only ${edgeCount} edge pixels in the reference`);
  const inv = Uint8Array.from(canny1);
  assert.deepEqual(Array.from(distanceTransform5(inv, 64, 64)), Array.from(ref('spatter/1/dist'), (v) => Math.fround(v)));
  const noiseCanny = new Uint8Array(64 * 64);
  for (let i = 0; i < noiseCanny.length; i++) noiseCanny[i] = (i * 37) % 7 === 0 ? 200 : 30;
  assert.ok(canny(noiseCanny, 64, 64, 50, 150).some((v) => v === 255));
});

// ---- (a) the random fields ----

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => v === b[i]);

test('fog plasma: deterministic per seed, in [0, 1] with min 0 and max 1, power-of-two side covering the image', () => {
  const a = drawFogPlasma(7, 50, 30, 3);
  assert.equal(a.mapsize, 64);
  assert.ok(same(a.map, drawFogPlasma(7, 50, 30, 3).map));
  assert.ok(!same(a.map, drawFogPlasma(8, 50, 30, 3).map));
  assert.equal(Math.min(...a.map), 0);
  assert.equal(Math.max(...a.map), 1);
  const mean = a.map.reduce((s, v) => s + v, 0) / a.map.length;
  assert.ok(mean > 0.1 && mean < 0.9, `mean ${mean}`);
  // Smooth: neighbours differ far less than random values would (mean |diff| of uniform noise is 1/3).
  let step = 0;
  for (let i = 1; i < 64; i++) step += Math.abs(a.map[i] - a.map[i - 1]);
  assert.ok(step / 63 < 0.15, `rough plasma ${step / 63}`);
  assert.equal(drawFogPlasma(0, 224, 224, 1).mapsize, 256);
});

test('frost texture: deterministic per seed, in [0, 1], bright crystals on haze, blue-tinted', () => {
  const a = drawFrostTexture(3, 96, 80);
  assert.equal(a.length, 3 * 96 * 80);
  assert.ok(same(a, drawFrostTexture(3, 96, 80)));
  assert.ok(!same(a, drawFrostTexture(4, 96, 80)));
  const n = 96 * 80;
  let r = 0;
  let b = 0;
  let bright = 0;
  for (let i = 0; i < n; i++) {
    assert.ok(a[i] >= 0 && a[i] <= 1 && a[i + 2 * n] >= 0 && a[i + 2 * n] <= 1);
    r += a[i];
    b += a[i + 2 * n];
    if (a[i + 2 * n] > 0.7) bright++;
  }
  assert.ok(b > r, 'blue tint');
  assert.ok(bright > 0.02 * n && bright < 0.6 * n, `bright fraction ${bright / n}`);
});

test('elastic fields: deterministic per seed; offsets within +-c2 and float32; noise uniform in [-1, 1)', () => {
  const f = drawElasticFields(5, 40, 30, 2);
  const g = drawElasticFields(5, 40, 30, 2);
  assert.ok(same(f.affine, g.affine) && same(f.noiseX, g.noiseX) && same(f.noiseY, g.noiseY));
  assert.ok(!same(f.noiseX, drawElasticFields(6, 40, 30, 2).noiseX));
  assert.ok(!same(f.noiseX, f.noiseY));
  for (const v of Array.from(f.affine)) assert.ok(Math.abs(v) <= 244 * 0.2 && Math.fround(v) === v);
  const xs = Array.from(f.noiseX);
  assert.ok(xs.every((v) => v >= -1 && v < 1));
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.1, `mean ${mean}`);
});

test('spatter field: deterministic per seed, mean loc and std scale of the severity', () => {
  const f = drawSpatterField(9, 64, 64, 5);
  assert.ok(same(f, drawSpatterField(9, 64, 64, 5)));
  assert.ok(!same(f, drawSpatterField(10, 64, 64, 5)));
  const mean = f.reduce((s, v) => s + v, 0) / f.length;
  const sd = Math.sqrt(f.reduce((s, v) => s + (v - mean) ** 2, 0) / f.length);
  assert.ok(Math.abs(mean - 0.67) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(sd - 0.4) < 0.03, `sd ${sd}`);
});

// ---- the ops ----

test('the ops: ids, groups, one severity parameter 1..5, pure, any size, finite, seed dependence as declared', () => {
  const expected: Record<string, [string, boolean]> = {
    frost: ['imagenet-c weather', true],
    fog: ['imagenet-c weather', true],
    brightness: ['imagenet-c weather', false],
    contrast: ['imagenet-c digital', false],
    elasticTransform: ['imagenet-c digital', true],
    pixelate: ['imagenet-c digital', false],
    jpegCompression: ['imagenet-c digital', false],
    saturate: ['imagenet-c held-out', false],
    spatter: ['imagenet-c held-out', true],
  };
  assert.deepEqual(WEATHER_DIGITAL_OPS.map((o) => o.id).sort(), Object.keys(expected).sort());
  const small: FloatImage = { width: 37, height: 21, data: Float32Array.from({ length: 3 * 37 * 21 }, (_, i) => ((i * 7919) % 101) / 100) };
  for (const o of WEATHER_DIGITAL_OPS) {
    assert.equal(o.group, expected[o.id][0], o.id);
    assert.equal(o.random, expected[o.id][1], o.id);
    assert.ok(o.description.length > 20);
    assert.equal(o.params.length, 1);
    const p = o.params[0];
    assert.ok(p.kind === 'integer' && p.name === 'severity' && p.min === 1 && p.max === 5 && p.step === 1 && p.default === 3);
    for (const img of [INPUT, small]) {
      const before = Float32Array.from(img.data);
      for (const severity of SEVERITIES) {
        const out = o.apply(img, { severity }, { seed: 1 });
        assert.equal(out.width, img.width);
        assert.equal(out.height, img.height);
        assert.equal(out.data.length, img.data.length);
        assert.notEqual(out.data, img.data);
        assert.ok(out.data.every(Number.isFinite), `${o.id} ${severity} not finite`);
        assert.ok(diff(out.data, img.data).max > 1e-3, `${o.id} ${severity} left the image unchanged`);
      }
      assert.ok(same(before, img.data), `${o.id} modified its input`);
    }
    const a = o.apply(INPUT, { severity: 3 }, { seed: 1 }).data;
    const b = o.apply(INPUT, { severity: 3 }, { seed: 1 }).data;
    const c = o.apply(INPUT, { severity: 3 }, { seed: 2 }).data;
    assert.ok(same(a, b), `${o.id} not deterministic`);
    assert.equal(!same(a, c), o.random, `${o.id}: seed dependence differs from 'random'`);
  }
});

test('the ops follow the deterministic transforms for their drawn fields', () => {
  const fog = WEATHER_DIGITAL_OPS.find((o) => o.id === 'fog')!;
  const { map, mapsize } = drawFogPlasma(4, 64, 64, 2);
  assert.ok(same(fog.apply(INPUT, { severity: 2 }, { seed: 4 }).data, fogBlend(INPUT, map, mapsize, 2).data));
  const spatter = WEATHER_DIGITAL_OPS.find((o) => o.id === 'spatter')!;
  assert.ok(same(spatter.apply(INPUT, { severity: 1 }, { seed: 4 }).data, spatterWith(INPUT, drawSpatterField(4, 64, 64, 1), 1).data));
  const frost = WEATHER_DIGITAL_OPS.find((o) => o.id === 'frost')!;
  assert.ok(same(frost.apply(INPUT, { severity: 5 }, { seed: 4 }).data, frostBlend(INPUT, drawFrostTexture(4, 64, 64), 5).data));
  const elastic = WEATHER_DIGITAL_OPS.find((o) => o.id === 'elasticTransform')!;
  assert.ok(same(elastic.apply(INPUT, { severity: 3 }, { seed: 4 }).data, elasticTransformWith(INPUT, drawElasticFields(4, 64, 64, 3), 3).data));
});
