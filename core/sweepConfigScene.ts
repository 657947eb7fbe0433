/**
 * One configuration of a finished (or running) sweep as a scene of its own ("click a point to open that
 * configuration"): the configuration as the runner expands it (core/sweep/configurations.ts), with the parameter
 * values results.csv recorded for it (what was applied), applied to the base scene by the runner's own
 * applyConfiguration (cue-conflict pairs included), named after its values, with every relative file path
 * rebased so it still resolves from the new file's folder.
 */
import { findOp } from './perturbations/registry';
import type { Scene, TextureRef } from './sceneTypes';
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

/** The scene of configuration `config`: applied (no `sweep` section), named after it, paths rebased. */
export function configurationScene(base: Scene, spec: SweepSpec, config: SweepConfiguration, rebase: (relative: string) => string): Scene {
  const applied = applyConfiguration(base, spec, config);
  return rebaseScenePaths({ ...applied, name: configurationName(spec, config) }, rebase);
}
