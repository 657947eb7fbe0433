/**
 * One configuration of a finished (or running) sweep as a scene of its own ("click a point to open that
 * configuration"): the configuration as the runner expands it (core/sweep/configurations.ts), with the parameter
 * values results.csv recorded for it (what was applied), applied to the base scene by the runner's own
 * applyConfiguration (cue-conflict pairs included), named after its values, with every relative file path
 * rebased so it still resolves from the new file's folder. A configuration of an attack sweep gets the attack the
 * runner applied in memory as an `adversarial` step (strength 1) naming the delta the run stored
 * (`attacks/<config>.npy`, saveImages only); without it the scene is the clean frame and its name says so.
 */
import { findOp } from './perturbations/registry';
import type { PerturbationStep, Scene, TextureRef } from './sceneTypes';
import { configurationAttack } from './sweep/attack';
import { applyConfiguration, expandConfigurations } from './sweep/configurations';
import type { SweepConfiguration, SweepSpec } from './sweep/types';

/**
 * Configuration `index` of `spec` (`integer[i]`: parameter i is an integer, as the runner decides it); `recorded`:
 * the parameter values of its row in results.csv, which win over the expanded ones when given. Throws when there is
 * no such configuration.
 */
export function configurationAt(spec: SweepSpec, integer: readonly boolean[], index: number, recorded?: readonly (number | null)[]): SweepConfiguration {
  const config = expandConfigurations(spec, integer)[index];
  if (!config) throw new Error(`the sweep has no configuration ${index}`);
  if (!recorded) return config;
  return { ...config, values: config.values.map((v, i) => recorded[i] ?? v) };
}

/** "shape-bias #12: camera.azimuth = 30, shape dog / texture cat". */
export function configurationName(spec: SweepSpec, config: SweepConfiguration): string {
  const parts = spec.parameters.map((p, i) => `${p.path} = ${config.values[i]}`);
  const pair = config.pair !== undefined ? spec.cueConflict?.[config.pair] : undefined;
  if (pair) parts.push(`shape ${pair.shapeClass ?? pair.shape} / texture ${pair.textureClass}`);
  return `${spec.name} #${config.index}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

function rebaseTexture(texture: TextureRef | null, rebase: (p: string) => string): TextureRef | null {
  return texture && texture.kind === 'image' ? { ...texture, path: rebase(texture.path) } : texture;
}

/**
 * `scene` with every path relative to its file passed through `rebase`: models (not `builtin:` ones), a file object,
 * image textures and background, and perturbations' `file` parameters. Empty paths stay empty.
 */
export function rebaseScenePaths(scene: Scene, rebase: (relative: string) => string): Scene {
  const r = (p: string): string => (p === '' ? p : rebase(p));
  return {
    ...scene,
    models: scene.models.map((m) => (m.path.startsWith('builtin:') ? m : { ...m, path: r(m.path) })),
    object: scene.object.kind === 'file' ? { ...scene.object, path: r(scene.object.path) } : scene.object,
    material: { ...scene.material, texture: rebaseTexture(scene.material.texture, r), texture2: rebaseTexture(scene.material.texture2, r) },
    background: scene.background.kind === 'image' ? { ...scene.background, path: r(scene.background.path) } : scene.background,
    perturbations: scene.perturbations.map((step) => {
      const files = (findOp(step.op)?.params ?? []).filter((p) => p.kind === 'file').map((p) => p.name);
      if (files.length === 0) return step;
      const params = { ...step.params };
      for (const name of files) if (typeof params[name] === 'string') params[name] = r(params[name] as string);
      return { ...step, params };
    }),
  };
}

/**
 * What the run kept of an attack configuration's delta: the stored file (relative to the new scene file, as the
 * adversarial step names it), or why there is none ("the run kept no attack deltas; set saveImages").
 */
export type StoredAttackDelta = { file: string } | { missing: string };

/** The scene schema's limits on `name` and on the number of perturbation steps. */
const MAX_NAME = 200;
const MAX_STEPS = 32;

/** True when configuration `config` of `spec` runs a PGD attack that can move the frame (epsilon and steps > 0). */
export function attacksFrame(spec: SweepSpec, config: SweepConfiguration): boolean {
  const attack = configurationAttack(spec, config);
  return attack !== undefined && attack.epsilon > 0 && attack.steps > 0;
}

/**
 * The scene of configuration `config`: applied (no `sweep` section), named after it, paths rebased. For an attack
 * configuration (attacksFrame) `delta` says what the run stored: a file becomes an enabled `adversarial` step at the
 * end, exactly the step the runner appended, so the scene's models see the attacked frame; otherwise the name ends
 * with "(clean: <why>)". An epsilon 0 or steps 0 configuration is clean as run and named plainly.
 */
export function configurationScene(
  base: Scene,
  spec: SweepSpec,
  config: SweepConfiguration,
  rebase: (relative: string) => string,
  delta?: StoredAttackDelta,
): Scene {
  const applied = applyConfiguration(base, spec, config);
  const attacked = attacksFrame(spec, config);
  const full = applied.perturbations.length >= MAX_STEPS;
  const file = attacked && !full && delta && 'file' in delta ? delta.file : undefined;
  let name = configurationName(spec, config);
  if (attacked && file === undefined) {
    const why = full
      ? `the scene has ${MAX_STEPS} perturbation steps, no room for the adversarial one`
      : delta && 'missing' in delta ? delta.missing : 'the run stored no attack delta for it';
    const suffix = ` (clean: ${why})`;
    name = (name.length + suffix.length > MAX_NAME ? `${name.slice(0, MAX_NAME - suffix.length - 1)}…` : name) + suffix;
  } else if (name.length > MAX_NAME) name = `${name.slice(0, MAX_NAME - 1)}…`;
  const scene = rebaseScenePaths({ ...applied, name }, rebase);
  if (file === undefined) return scene;
  // Added after the rebase: `file` is already relative to the new scene file.
  const step: PerturbationStep = { op: 'adversarial', enabled: true, seed: 0, params: { file, strength: 1 } };
  return { ...scene, perturbations: [...scene.perturbations, step] };
}
