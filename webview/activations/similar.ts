/**
 * "Similar to this scene" under the model columns: a select of the watched layers (model · layer, or Off) asks the
 * host for the indexed images whose activations at that layer are nearest to the current frame's; they are shown with
 * their cosine distance, and a click opens the file. The host's answer is the truth for the select; until one
 * comes, the user's pick stays.
 */
import type { ModelActivations, PanelToHost, SimilarImages } from '../../core/protocol';
import { el } from '../shared/dom';

export const NO_INDEX_HINT = 'No images indexed: run Perturber: Index Image Folder';

export class SimilarSection {
  private readonly select = el('select', { id: 'similar-layer', title: 'The layer whose activations are compared' }, el('option', { value: '' }, 'Off'));
  private readonly note = el('p', { id: 'similar-note', class: 'similar-note' });
  private readonly images = el('div', { class: 'similar-images' });
  readonly element = el(
    'section',
    { id: 'similar', class: 'similar', hidden: true },
    el('div', { class: 'similar-heading' }, el('h3', { class: 'similar-title' }, 'Similar to this scene'), el('label', {}, 'Layer ', this.select)),
    this.note,
    this.images,
  );
  private choicesKey = '';
  private imagesKey = '';
  private firstModel: string | undefined;
  private last: SimilarImages | undefined;

  constructor(private readonly post: (message: PanelToHost) => void) {
    this.select.addEventListener('change', () => {
      const choice = parseChoice(this.select.value);
      if (choice) this.post({ type: 'similarImages', modelId: choice[0], layer: choice[1] });
      else if (this.last ?? this.firstModel) this.post({ type: 'similarImages', modelId: this.last?.modelId ?? this.firstModel ?? '', layer: null });
      this.last = undefined;
      this.render();
    });
    this.render();
  }

  /** The layers to choose from: the watched layers of the models on screen (options rebuilt only when they change). */
  setChoices(models: readonly ModelActivations[]): void {
    const choices = models.flatMap((m) => m.layers.map((l) => ({ value: JSON.stringify([m.id, l.layer]), label: `${m.displayName} · ${l.layer}` })));
    this.firstModel = models[0]?.id;
    this.element.hidden = choices.length === 0;
    const key = JSON.stringify(choices);
    if (key === this.choicesKey) return;
    this.choicesKey = key;
    const current = this.select.value;
    this.select.replaceChildren(el('option', { value: '' }, 'Off'), ...choices.map((c) => el('option', { value: c.value }, c.label)));
    this.select.value = choices.some((c) => c.value === current) ? current : '';
  }

  /** The host's latest answer (undefined: none for now). */
  show(similar: SimilarImages | undefined): void {
    this.last = similar;
    if (similar) {
      const value = JSON.stringify([similar.modelId, similar.layer]);
      if ([...this.select.options].some((o) => o.value === value)) this.select.value = value;
    }
    this.render();
  }

  private render(): void {
    const similar = this.last;
    const on = this.select.value !== '';
    this.element.dataset.state = !on ? 'off' : similar ? (similar.error ? 'error' : 'ready') : 'waiting';
    if (!on) this.note.textContent = 'Pick a layer to see the indexed images whose activations there are nearest to this frame’s.';
    else if (!similar) this.note.textContent = 'Searching the image index…';
    else if (similar.error) this.note.textContent = similar.error;
    else if (similar.images.length === 0) this.note.textContent = NO_INDEX_HINT;
    else this.note.textContent = `The ${similar.images.length} nearest at ${similar.layer} to frame ${similar.frameId} (cosine distance of the channel means).`;
    const images = on && similar && !similar.error ? similar.images : [];
    const key = JSON.stringify(images.map((i) => [i.path, i.distance, i.thumbnail.length]));
    if (key === this.imagesKey) return;
    this.imagesKey = key;
    this.images.replaceChildren(
      ...images.map((image) => {
        const button = el(
          'button',
          { class: 'similar-image', type: 'button', 'data-path': image.path, title: `${image.path}\ncosine distance ${image.distance.toFixed(3)}\nClick to open` },
          el('img', { src: image.thumbnail, alt: image.path }),
          el('span', { class: 'similar-distance' }, image.distance.toFixed(3)),
        );
        button.addEventListener('click', () => this.post({ type: 'openImage', path: image.path }));
        return button;
      }),
    );
  }
}

function parseChoice(value: string): [string, string] | undefined {
  if (value === '') return undefined;
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string' ? [parsed[0], parsed[1]] : undefined;
}
