/**
 * The user-facing objective kinds of a scene's `featureVis` (issue 7) as the per-image objective the optimisation
 * takes: `channel` (the channel mean, Lucid's `objectives.channel`), `negative` (the channel mean minimised: what
 * suppresses it) and `unit` (one spatial position of the channel's map, Lucid's `objectives.neuron`, whose default
 * position is the centre: x = floor(width / 2), y = floor(height / 2)).
 */
import type { FeatureVisObjective, FeatureVisSettings } from '../sceneTypes';

export const FEATURE_VIS_OBJECTIVES: readonly FeatureVisObjective[] = ['channel', 'negative', 'unit'];

export function isFeatureVisObjective(value: unknown): value is FeatureVisObjective {
  return typeof value === 'string' && (FEATURE_VIS_OBJECTIVES as readonly string[]).includes(value);
}

/** The part of a NeuronObjective (types.ts) an objective kind decides. */
export interface ObjectiveParts {
  /** Map coordinates (row y, column x). */
  unit?: { y: number; x: number };
  negative?: boolean;
}

/**
 * The objective of `settings` for a layer whose map is `map.width` x `map.height` (undefined: not statically known).
 * Throws an Error that names the layer and the map size when the unit is outside the map or cannot be placed.
 */
export function objectiveParts(
  settings: Pick<FeatureVisSettings, 'objective' | 'unit'>,
  layer: string,
  map: { width?: number; height?: number },
): ObjectiveParts {
  const kind = settings.objective ?? 'channel';
  if (kind === 'channel') return {};
  if (kind === 'negative') return { negative: true };
  if (kind !== 'unit') throw new Error(`featureVis.objective must be "channel", "negative" or "unit", got ${JSON.stringify(kind)}`);
  const { width, height } = map;
  const size = width !== undefined && height !== undefined ? `${width} x ${height}` : 'unknown-size';
  const unit = settings.unit;
  if (unit === undefined) {
    if (width === undefined || height === undefined || width < 1 || height < 1) {
      throw new Error(`the ${size} map of ${layer} has no known centre: give featureVis.unit {"x", "y"}`);
    }
    return { unit: { y: Math.floor(height / 2), x: Math.floor(width / 2) } };
  }
  if (!Number.isInteger(unit.x) || !Number.isInteger(unit.y) || unit.x < 0 || unit.y < 0) {
    throw new Error(`featureVis.unit must be {"x": integer >= 0, "y": integer >= 0}, got ${JSON.stringify(unit)}`);
  }
  if ((width !== undefined && unit.x >= width) || (height !== undefined && unit.y >= height)) {
    throw new Error(`featureVis.unit (x ${unit.x}, y ${unit.y}) is outside the ${size} map of ${layer} (x 0..${(width ?? 1) - 1}, y 0..${(height ?? 1) - 1})`);
  }
  return { unit: { y: unit.y, x: unit.x } };
}

/** The kind of an objective and, for a unit, its position as the panel's caption shows it: "unit (7,7)" (x, y). */
export function objectiveCaption(kind: FeatureVisObjective, unit: { x: number; y: number } | undefined): string {
  return kind === 'unit' && unit ? `unit (${unit.x},${unit.y})` : kind;
}
