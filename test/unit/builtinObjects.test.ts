import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BufferGeometry } from 'three';
import { BUILTIN_OBJECTS, morphCompatible, quadrupedParams, resolveBuiltinParams } from '../../core/builtinObjects';
import type { BuiltinObjectName, BuiltinSceneObject } from '../../core/sceneTypes';
import { createBuiltinGeometry } from '../../webview/scene/objects';

type Spec = Pick<BuiltinSceneObject, 'name' | 'seed' | 'params' | 'morph'>;
const spec = (name: BuiltinObjectName, extra: Partial<Spec> = {}): Spec => ({ name, seed: 0, params: {}, morph: null, ...extra });

function positions(g: BufferGeometry): Float32Array {
  return g.getAttribute('position').array as Float32Array;
}

function extent(g: BufferGeometry): [number, number, number] {
  g.computeBoundingBox();
  const b = g.boundingBox!;
  return [b.max.x - b.min.x, b.max.y - b.min.y, b.max.z - b.min.z];
}

test('BUILTIN_OBJECTS lists each object once with sane parameters', () => {
  const names = BUILTIN_OBJECTS.map((o) => o.name);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.length >= 15);
  for (const o of BUILTIN_OBJECTS) {
    for (const p of o.params) {
      assert.ok(p.min < p.max && p.default >= p.min && p.default <= p.max, `${o.name}.${p.name}`);
      assert.ok(p.label && p.description, `${o.name}.${p.name} is documented`);
    }
  }
  const dog = BUILTIN_OBJECTS.find((o) => o.name === 'dog')!;
  const cat = BUILTIN_OBJECTS.find((o) => o.name === 'cat')!;
  assert.deepEqual(dog.params.map((p) => p.name), cat.params.map((p) => p.name), 'dog and cat share one parameter set');
});

test('the schema enum and BUILTIN_OBJECTS agree', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../schemas/scene.schema.json'), 'utf8')) as unknown;
  const enums: string[][] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const e = (node as { enum?: unknown }).enum;
      if (Array.isArray(e) && e.includes('teapot')) enums.push(e as string[]);
      Object.values(node).forEach(walk);
    }
  };
  walk(schema);
  assert.ok(enums.length > 0, 'schema has an object-name enum');
  for (const e of enums) assert.deepEqual([...e].sort(), BUILTIN_OBJECTS.map((o) => o.name).sort());
});

test('quadrupedParams, morphCompatible and parameter resolution', () => {
  assert.equal(quadrupedParams('dog').earPointiness, 0);
  assert.equal(quadrupedParams('cat').earPointiness, 1);
  assert.equal(quadrupedParams('cat', { tailLength: 0.3 }).tailLength, 0.3);
  assert.equal(quadrupedParams('dog', { legLength: 99 }).legLength, 1.3, 'overrides are clamped');
  assert.throws(() => quadrupedParams('car'));
  assert.ok(morphCompatible('dog', 'cat') && morphCompatible('cat', 'dog') && morphCompatible('dog', 'dog'));
  assert.ok(!morphCompatible('teapot', 'car') && !morphCompatible('dog', 'car'));
  assert.throws(
    () => resolveBuiltinParams(spec('teapot', { morph: { target: 'car', amount: 0.5 } })),
    /shape morph needs two four-legged animals \(dog, cat\); teapot -> car is not supported/,
  );
  const half = resolveBuiltinParams(spec('dog', { morph: { target: 'cat', amount: 0.5 } }));
  assert.equal(half.earPointiness, 0.5);
  assert.deepEqual(resolveBuiltinParams(spec('dog', { seed: 5 })), resolveBuiltinParams(spec('dog', { seed: 5 })));
  assert.notDeepEqual(resolveBuiltinParams(spec('dog', { seed: 5 })), resolveBuiltinParams(spec('dog', { seed: 6 })));
});

for (const { name, params } of BUILTIN_OBJECTS) {
  test(`${name}: valid, normalised, deterministic geometry`, () => {
    const g = createBuiltinGeometry(spec(name, { seed: 3 }));
    const pos = g.getAttribute('position');
    const normal = g.getAttribute('normal');
    const uv = g.getAttribute('uv');
    assert.ok(pos && normal && uv, 'position, normal and uv');
    assert.ok(pos.count > 0 && pos.count % 3 === 0);
    assert.equal(normal.count, pos.count);
    assert.equal(uv.count, pos.count);
    for (const attr of [pos, normal, uv]) for (const v of attr.array as Float32Array) assert.ok(Number.isFinite(v), 'no NaN');
    g.computeBoundingSphere();
    const s = g.boundingSphere!;
    assert.ok(Math.abs(s.radius - 1) < 1e-6, `radius ${s.radius}`);
    assert.ok(s.center.length() < 1e-6, `centre ${s.center.toArray()}`);

    const again = createBuiltinGeometry(spec(name, { seed: 3 }));
    assert.deepEqual(positions(again), positions(g), 'same seed, same geometry');
    const continuous = params.filter((p) => !p.step);
    if (continuous.length > 0) {
      const other = createBuiltinGeometry(spec(name, { seed: 4 }));
      assert.notDeepEqual(positions(other), positions(g), 'another seed varies the shape');
    }
    for (const p of params) {
      const changed = createBuiltinGeometry(spec(name, { params: { [p.name]: p.default === p.max ? p.min : p.max } }));
      assert.notDeepEqual(positions(changed), positions(createBuiltinGeometry(spec(name))), `${p.name} changes the shape`);
    }
  });
}

test('shape morph dog -> cat: 0 is the dog, 1 the cat, 0.5 in between', () => {
  for (const seed of [0, 7]) {
    const params = { tailLength: 0.8 };
    const dog = createBuiltinGeometry(spec('dog', { seed, params }));
    const cat = createBuiltinGeometry(spec('cat', { seed, params }));
    const at = (amount: number): BufferGeometry => createBuiltinGeometry(spec('dog', { seed, params, morph: { target: 'cat', amount } }));
    assert.deepEqual(positions(at(0)), positions(dog));
    assert.deepEqual(positions(at(1)), positions(cat));
    assert.deepEqual(positions(createBuiltinGeometry(spec('cat', { seed, params, morph: { target: 'dog', amount: 1 } }))), positions(dog));
    const half = at(0.5);
    assert.equal(positions(half).length, positions(dog).length, 'one generator: same vertex count along the morph');
    // Vertex by vertex (same generator, same vertex order) the half-way animal is nearer to each than they are apart.
    const [d, c, h] = [positions(dog), positions(cat), positions(half)];
    const rms = (a: Float32Array, b: Float32Array): number => Math.sqrt(a.reduce((sum, v, i) => sum + (v - b[i]) ** 2, 0) / a.length);
    assert.ok(rms(h, d) < rms(d, c) * 0.75 && rms(h, c) < rms(d, c) * 0.75, `rms ${rms(h, d)} ${rms(h, c)} vs ${rms(d, c)}`);
    // Length (x) of the normalised animal: the morph's lies between, up to the renormalisation's wobble.
    const [ed, ec, eh] = [extent(dog), extent(cat), extent(half)];
    assert.ok(eh[0] >= Math.min(ed[0], ec[0]) - 0.05 && eh[0] <= Math.max(ed[0], ec[0]) + 0.05, `length ${eh[0]}`);
    // Continuous: small steps in amount move vertices a little.
    const a = positions(at(0.5));
    const b = positions(at(0.51));
    let maxStep = 0;
    for (let i = 0; i < a.length; i++) maxStep = Math.max(maxStep, Math.abs(a[i] - b[i]));
    assert.ok(maxStep < 0.05, `max vertex step ${maxStep}`);
  }
});

test('an incompatible shape morph is a readable error', () => {
  assert.throws(() => createBuiltinGeometry(spec('teapot', { morph: { target: 'car', amount: 0.3 } })), /teapot -> car is not supported/);
});
