/** A finished sweep run as the runner writes it (results.csv + summary.json), with made-up predictions, for the
 *  tests of the results view. */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseScene } from '../../core/scene';
import { expandConfigurations } from '../../core/sweep/configurations';
import { csvLayout, csvLine, csvRow } from '../../core/sweep/results';
import type { SweepSpec } from '../../core/sweep/types';

/**
 * Writes `<root>/.perturber/runs/<spec.name>/` for the scene `sceneText` (at `sceneFile`, absolute): every
 * configuration x model of `spec`, p(dog) = `probability(config index)`, the rest cat. Returns the run folder.
 */
export function writeFinishedRun(
  root: string,
  sceneFile: string,
  sceneText: string,
  spec: SweepSpec,
  probability: (index: number) => number = (index) => 0.5 + 0.1 * (index % 4),
): string {
  const parsed = parseScene(sceneText);
  const scene = parsed.scene;
  if (!scene) throw new Error(`${sceneFile} does not parse: ${parsed.diagnostics.map((d) => d.message).join('; ')}`);
  const folder = path.join(root, '.perturber', 'runs', spec.name);
  fs.mkdirSync(folder, { recursive: true });
  const models = scene.models.filter((m) => spec.models?.includes(m.id));
  const layout = csvLayout(spec, models);
  const configs = expandConfigurations(spec);
  let csv = csvLine(layout.header);
  for (const config of configs) {
    for (const m of models) {
      const p = probability(config.index);
      csv += csvRow(layout, spec, config, { modelId: m.id, top: [{ label: 'dog', probability: p }, { label: 'cat', probability: 1 - p }], classes: [], neurons: new Map() });
    }
  }
  fs.writeFileSync(path.join(folder, 'results.csv'), csv);
  const summary = {
    name: spec.name,
    folder,
    sceneFile,
    specHash: createHash('sha256').update(JSON.stringify(scene)).digest('hex'),
    spec,
    configurations: configs.length,
    done: configs.length,
    rows: configs.length * models.length,
    complete: true,
    resumedAt: 0,
    models: models.map((m) => ({ id: m.id, displayName: m.id, onnx: '', sha256: '' })),
    perModel: {},
    timings: { totalMs: 1, renderWaitMs: 0, inferenceMs: 1, configurationsPerSecond: null },
    date: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(folder, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return folder;
}
