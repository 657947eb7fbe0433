/** The scene editor's status line about its models: loading, errors, or each model's name (and checkpoint). */
import type { SceneModels } from './sceneModels';

export function modelStatus(models: SceneModels, trusted: boolean): { level: 'info' | 'error'; text: string } {
  const errors = models.errors();
  if (!trusted && errors.length > 0) return { level: 'error', text: 'Untrusted workspace: model files are not loaded' };
  if (errors.length > 0) return { level: 'error', text: errors.map((e) => `models[${e.index}]: ${e.message}`).join('\n') };
  if (models.loading) return { level: 'info', text: 'Loading models…' };
  if (models.count === 0) return { level: 'info', text: 'No models in this scene' };
  const names = models.frameModels().map((m) => {
    const name = `${m.id}: ${m.model?.manifest.displayName ?? '…'}`;
    return m.checkpoint ? `${name} (checkpoint ${m.checkpoint.label})` : name;
  });
  return { level: 'info', text: names.join(' · ') };
}
