/**
 * The real ImageNet MobileNets of ../shared/models through the host's own code paths (loadModel, fitToModel,
 * runModel: centre crop, resizeRgba, toModelInput, ONNX Runtime) with the committed manifests of
 * test/unit/fixtures/models/imagenet (range [-1, 1], 1000 labels after a background class: labelOffset 1).
 * Expected values: ../shared/models/README.md. Skipped, by name, when ../shared/models is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { proposeLayerNames } from '../../core/layerNames';
import { parseManifest } from '../../core/manifest';
import { layerCandidates } from '../../core/onnxGraph';
import { readImageFile } from '../../src/imageFiles';
import { findLayer, loadModel, type LoadedModel } from '../../src/inference/loadModel';
import { findInSearchPaths, resolveModelPath } from '../../src/inference/modelPaths';
import { fitToModel, runModel } from '../../src/inference/runModel';

const REPO = path.resolve(__dirname, '..', '..', '..');
const MANIFESTS = path.join(REPO, 'test', 'unit', 'fixtures', 'models', 'imagenet');
/** The extension's own ImageNet list (models/labels), which the manifests name as `imagenet1000.txt` beside the model. */
const IMAGENET_LABELS = path.join(REPO, 'models', 'labels', 'imagenet1000.txt');
const SHARED = path.resolve(REPO, '..', 'shared');
const SHARED_MODELS = path.join(SHARED, 'models');
const PHOTOS = path.join(SHARED, 'assets', 'photos');
const SETTINGS = { threads: 1, executionProviders: ['cpu'] };

/** Top-5 of ../shared/models/README.md (softmax of the logits; PIL bilinear resize of the centre square). */
const MODELS = [
  {
    name: 'mobilenet_v2_1.0_224', title: 'MobileNetV2 224', size: 224,
    chelsea: [['tiger cat', 0.548], ['Egyptian cat', 0.295], ['tabby, tabby cat', 0.146], ['lynx, catamount', 0.003], ['lens cap, lens cover', 0.0]],
    coffee: [['espresso', 0.964], ['cup', 0.008], ['chocolate sauce, chocolate syrup', 0.007], ['consomme', 0.006], ['coffee mug', 0.002]],
  },
  {
    name: 'mobilenet_v1_0.75_192', title: 'MobileNetV1 192', size: 192,
    chelsea: [['Egyptian cat', 0.916], ['tabby, tabby cat', 0.051], ['tiger cat', 0.031], ['lynx, catamount', 0.001], ['shower curtain', 0.0]],
    coffee: [['espresso', 0.93], ['cup', 0.023], ['coffee mug', 0.014], ['soup bowl', 0.011], ['consomme', 0.008]],
  },
] as const;
type Expected = readonly (readonly [string, number])[];

/** Files copied beside a model ([source, name]): by default its committed manifest and the shipped label file. */
const committed = (name: string): [string, string][] => [[path.join(MANIFESTS, `${name}.model.json`), `${name}.model.json`], [IMAGENET_LABELS, 'imagenet1000.txt']];

/** A folder like a user's: the .onnx (linked) and `beside` copied next to it. */
function modelFolder(dir: string, name: string, beside = committed(name)): string {
  mkdirSync(dir, { recursive: true });
  symlinkSync(path.join(SHARED_MODELS, `${name}.onnx`), path.join(dir, `${name}.onnx`));
  for (const [source, file] of beside) copyFileSync(source, path.join(dir, file));
  return path.join(dir, `${name}.onnx`);
}

async function load(onnxPath: string, roots: string[]): Promise<LoadedModel> {
  return loadModel({ onnxPath, manifestPath: onnxPath.replace(/\.onnx$/, '.model.json'), allowedRoots: roots }, SETTINGS);
}

/** Loads `name` from a fresh model folder (modelFolder), runs `body`, then releases the session and the folder. */
async function withModel(name: string, beside: [string, string][], body: (model: LoadedModel, onnxPath: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'perturber-real-'));
  const onnxPath = modelFolder(dir, name, beside);
  const model = await load(onnxPath, [dir]);
  try {
    await body(model, onnxPath);
  } finally {
    await model.session.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkTop5(top: { label: string; probability: number }[], expected: Expected, tolerance: number, what: string): void {
  assert.deepEqual(top.slice(0, 3).map((p) => p.label), expected.slice(0, 3).map(([label]) => label), `${what}: top-3 labels`);
  expected.forEach(([label, p], i) => {
    const got = top.find((t) => t.label === label)?.probability ?? 0;
    assert.ok(Math.abs(got - p) <= tolerance, `${what}: ${label} ${got.toFixed(4)} vs README ${p} (tolerance ${tolerance}, rank ${i + 1})`);
  });
}

for (const m of MODELS) {
  test(`${m.title}: the committed manifest classifies chelsea.png and coffee.png as the README says`, async (t) => {
    if (!existsSync(SHARED_MODELS)) return t.skip(`${SHARED_MODELS} is absent`);
    await withModel(m.name, committed(m.name), async (model) => {
      assert.deepEqual(model.warnings, []);
      assert.deepEqual([model.manifest.input.range, model.manifest.labelOffset, model.labels.length], [[-1, 1], 1, 1000]);
      for (const photo of ['chelsea', 'coffee'] as const) {
        const image = await readImageFile(path.join(PHOTOS, `${photo}.png`));
        const expected = m[photo];
        // The host's path: fitToModel (centre crop + resizeRgba), then runModel (toModelInput + ONNX Runtime).
        const own = await runModel({ id: m.name, model, watch: [], image: fitToModel(image, model), topK: 5 });
        assert.equal(own.predictions.error, undefined);
        assert.equal(own.predictions.top[0].label, expected[0][0], `${photo}: top-1`);
        // labelOffset 1: output index i is label i - 1 of the 1000 classes (283 = tiger cat, 968 = espresso).
        assert.equal(own.predictions.top[0].index, photo === 'coffee' ? 968 : m.size === 224 ? 283 : 286);
        // resizeRgba is Pillow's BILINEAR bit for bit, so the path reproduces the README to its 3 decimals.
        checkTop5(own.predictions.top, expected, 1e-3, photo);
        assert.deepEqual(own.predictions.top.map((p) => p.label), expected.map(([label]) => label), `${photo}: top-5 labels`);
      }
    });
  });

  test(`${m.title}: the committed manifest's layer aliases are the proposed ones and each watches a 4-D map`, async (t) => {
    if (!existsSync(SHARED_MODELS)) return t.skip(`${SHARED_MODELS} is absent`);
    const parsed = parseManifest(readFileSync(path.join(MANIFESTS, `${m.name}.model.json`), 'utf8'));
    assert.deepEqual(parsed.errors, []);
    const onnxPath = path.join(SHARED_MODELS, `${m.name}.onnx`);
    assert.deepEqual(parsed.manifest?.layerAliases, proposeLayerNames(layerCandidates(readFileSync(onnxPath))).aliases);
    await withModel(m.name, committed(m.name), async (model) => {
      const image = fitToModel(await readImageFile(path.join(PHOTOS, 'chelsea.png')), model);
      const watch = ['conv0', 'block_1', 'conv_last', 'avgpool'].map((layer) => ({ layer, neurons: [0, 1] }));
      const run = await runModel({ id: m.name, model, watch, image, topK: 1 });
      assert.equal(run.activations.error, undefined);
      const last = m.size === 224 ? [1280, 7] : [768, 6];
      assert.deepEqual(run.activations.layers.map((l) => [l.layer, l.channels, l.height]), [
        ['conv0', m.size === 224 ? 32 : 24, m.size / 2], ['block_1', m.size === 224 ? 24 : 48, m.size / 2 / (m.size === 224 ? 2 : 1)],
        ['conv_last', last[0], last[1]], ['avgpool', last[0], 1],
      ]);
    });
  });
}

test('test/fixtures/mobilenet_v2_1.0_224.model.json (extension tests, bench): 1001 labels from background at offset 0, proposed aliases', async (t) => {
  if (!existsSync(SHARED_MODELS)) return t.skip(`${SHARED_MODELS} is absent`);
  const m = MODELS[0];
  // As the extension tests and the bench lay it out: the model, ../shared/models' 1001-line label file, the manifest.
  const beside: [string, string][] = [
    [path.join(SHARED_MODELS, 'imagenet_labels.txt'), 'imagenet_labels.txt'],
    [path.join(REPO, 'test', 'fixtures', `${m.name}.model.json`), `${m.name}.model.json`],
  ];
  await withModel(m.name, beside, async (model, onnxPath) => {
    assert.deepEqual(model.warnings, []);
    assert.deepEqual([model.manifest.labelOffset, model.labels.length, model.labels[0]], [0, 1001, 'background']);
    assert.deepEqual(model.manifest.layerAliases, proposeLayerNames(layerCandidates(readFileSync(onnxPath))).aliases);
    const run = await runModel({ id: m.name, model, watch: [], image: fitToModel(await readImageFile(path.join(PHOTOS, 'chelsea.png')), model), topK: 5 });
    checkTop5(run.predictions.top, m.chelsea, 1e-3, 'chelsea');
    assert.equal(run.predictions.top[0].index, 283);
  });
});

test('a model without a manifest file runs with the proposed one: the family\'s layer names and preprocessing', async (t) => {
  if (!existsSync(SHARED_MODELS)) return t.skip(`${SHARED_MODELS} is absent`);
  const m = MODELS[1];
  await withModel(m.name, [], async (model, onnxPath) => {
    assert.equal(model.manifestProposed, true);
    assert.match(model.warnings.join('\n'), /no manifest .*recognised TF-slim MobileNet V1/);
    assert.deepEqual(model.manifest.layerAliases, proposeLayerNames(layerCandidates(readFileSync(onnxPath))).aliases);
    assert.deepEqual([model.manifest.input.range, model.manifest.input.mean, model.manifest.input.std], [[-1, 1], [0, 0, 0], [1, 1, 1]]);
    assert.equal(findLayer(model, 'conv_last')?.channels, 768);
    assert.equal(model.layers.find((l) => l.alias === 'conv0')?.tensor, model.manifest.layerAliases.conv0);
    const image = fitToModel(await readImageFile(path.join(PHOTOS, 'chelsea.png')), model);
    const run = await runModel({ id: m.name, model, watch: [{ layer: 'block_13', neurons: [0] }], image, topK: 1 });
    assert.equal(run.activations.error, undefined);
    // No labels in a proposed manifest: output 286 is Egyptian cat (after the background class), as with the manifest.
    assert.equal(run.predictions.top[0].index, 286);
  });
});

test('perturber.models.searchPaths: a scene names a model kept in a search path folder by its name there', async (t) => {
  if (!existsSync(SHARED_MODELS)) return t.skip(`${SHARED_MODELS} is absent`);
  const root = mkdtempSync(path.join(tmpdir(), 'perturber-search-'));
  const workspace = path.join(root, 'workspace');
  const sceneDir = path.join(workspace, 'scenes');
  mkdirSync(sceneDir, { recursive: true });
  const searchPaths = [path.join(root, 'empty'), path.join(root, 'zoo')];
  const onnxPath = modelFolder(path.join(root, 'zoo', 'imagenet'), MODELS[0].name);
  const exists = async (p: string) => existsSync(p);
  const ref = `imagenet/${MODELS[0].name}.onnx`;
  // Beside the scene there is no such file (the locator looks there first), so the search paths are tried in order.
  const besideScene = resolveModelPath(ref, { sceneDir, builtinDir: path.join(root, 'ext'), allowedRoots: [workspace, ...searchPaths] });
  assert.ok(besideScene.ok && !existsSync(besideScene.onnxPath));
  const found = await findInSearchPaths(ref, searchPaths, exists);
  assert.deepEqual(found, { ok: true, onnxPath, manifestPath: onnxPath.replace(/\.onnx$/, '.model.json'), builtin: false });
  assert.equal(await findInSearchPaths(`${MODELS[0].name}.onnx`, searchPaths, exists), undefined, 'not at the top of a search path');
  assert.equal(await findInSearchPaths(`../zoo/${ref}`, [path.join(root, 'empty')], exists), undefined, 'no escaping a folder');
  assert.equal(await findInSearchPaths(onnxPath, searchPaths, exists), undefined, 'absolute paths are not looked up');
  assert.equal(await findInSearchPaths(ref, [], exists), undefined, 'no search paths, nothing found');
  const model = await load(onnxPath, searchPaths);
  try {
    const run = await runModel({ id: 'zoo', model, watch: [], image: fitToModel(await readImageFile(path.join(PHOTOS, 'chelsea.png')), model), topK: 1 });
    assert.equal(run.predictions.top[0]?.label, 'tiger cat');
  } finally {
    await model.session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
