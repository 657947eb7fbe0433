/** The scene editor's status line about its models: loading, errors, or each model's name (and checkpoint). */
import { heldBackStatus, isTrustRefusal } from '../trust';
import type { SceneModels } from './sceneModels';

export function modelStatus(models: SceneModels, trusted: boolean): { level: 'info' | 'error'; text: string } {
  const errors = models.errors();
  // Restricted mode: say which models are held back and how to load them; other errors as usual below it.
  const held = trusted ? [] : errors.filter((e) => isTrustRefusal(e.message));
  const others = errors.filter((e) => !held.includes(e)).map((e) => `models[${e.index}]: ${e.message}`);
  if (held.length > 0) return { level: 'error', text: [heldBackStatus(held.map((e) => `models[${e.index}]`)), ...others].join('\n') };
  if (errors.length > 0) return { level: 'error', text: others.join('\n') };
  if (models.loading) return { level: 'info', text: 'Loading models…' };
  if (models.count === 0) return { level: 'info', text: 'No models in this scene' };
  const names = models.frameModels().map((m) => {
    const name = `${m.id}: ${m.model?.manifest.displayName ?? '…'}`;
    return m.checkpoint ? `${name} (checkpoint ${m.checkpoint.label})` : name;
  });
  return { level: 'info', text: names.join(' · ') };
}
