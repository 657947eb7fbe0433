/**
 * What each shown neuron responds to (issue 7), drawn into the grid's slots: beside the map its feature visualisation
 * (a thumbnail as tall as the map, 256 px on hover; while it is computed a badge with the progress and a Cancel
 * button; the reason as a tooltip when there is none; the objective kind over it unless it is the channel's), under it the neuron's most activating dataset images (click:
 * open the file). Elements are kept per neuron and touched only when their data changed; when the grid is rebuilt
 * the same elements move into the new slots.
 */
import type { DatasetExample, FeatureVisState, NeuronInsight, PanelToHost } from '../../core/protocol';
import { objectiveCaption } from '../../core/featureVis/objectiveKind';
import { el } from '../shared/dom';
import { formatActivation, neuronKey, type NeuronSlots } from './grid';

interface InsightView {
  featureVis: HTMLElement;
  thumb: HTMLImageElement;
  badge: HTMLElement;
  /** The objective kind over the image ("negative", "unit (7,7)"; empty for the default, the channel). */
  kind: HTMLElement;
  cancel: HTMLButtonElement;
  /** What the feature-visualisation element shows now (state, progress, png), to skip unchanged updates. */
  featureVisKey: string;
  examples: HTMLElement;
  examplesKey: string;
  caption: string;
}

/** The larger view of a feature visualisation while the pointer is over its thumbnail (one for the whole panel). */
const POPOVER_PX = 256;

export class InsightsView {
  private readonly views = new Map<string, InsightView>();
  private readonly popoverImage = el('img', { alt: '', width: POPOVER_PX, height: POPOVER_PX });
  private readonly popoverCaption = el('div', { class: 'fv-popover-caption' });
  readonly popover = el('div', { id: 'fv-popover', class: 'fv-popover', hidden: true }, this.popoverImage, this.popoverCaption);

  constructor(
    private readonly slots: ReadonlyMap<string, NeuronSlots>,
    private readonly post: (message: PanelToHost) => void,
  ) {}

  /** Shows the host's insights; neurons the message leaves out lose theirs. */
  show(insights: readonly NeuronInsight[]): void {
    const seen = new Set<string>();
    for (const insight of insights) {
      const key = neuronKey(insight.modelId, insight.layer, insight.neuron);
      if (seen.has(key)) continue;
      seen.add(key);
      const view = this.views.get(key) ?? this.create(key);
      const kind = objectiveCaption(insight.objective ?? 'channel', insight.unit);
      view.caption = `${insight.layer} #${insight.neuron} (${kind})`;
      view.kind.textContent = kind === 'channel' ? '' : kind;
      view.kind.hidden = kind === 'channel';
      this.showFeatureVis(view, insight.featureVis);
      this.showExamples(view, insight.examples);
    }
    for (const [key, view] of this.views) {
      if (seen.has(key)) continue;
      view.featureVis.remove();
      view.examples.remove();
      this.views.delete(key);
    }
    this.attach();
  }

  /** Moves each neuron's elements into its slot of the grid (after the grid was rebuilt, or new insights came). */
  attach(): void {
    for (const [key, view] of this.views) {
      const slot = this.slots.get(key);
      if (!slot) continue; // not in the grid (yet): kept for when it is
      if (view.featureVis.parentElement !== slot.featureVis) slot.featureVis.replaceChildren(view.featureVis);
      if (view.examples.parentElement !== slot.examples) slot.examples.replaceChildren(view.examples);
    }
  }

  private create(key: string): InsightView {
    const thumb = el('img', { class: 'fv-thumb', alt: 'feature visualisation', hidden: true });
    const badge = el('span', { class: 'fv-badge' });
    const kind = el('span', { class: 'fv-kind', hidden: true });
    const cancel = el('button', { class: 'fv-cancel', type: 'button', title: 'Cancel the feature visualisations being computed', hidden: true }, '×');
    const featureVis = el('div', { class: 'fv' }, thumb, badge, kind, cancel);
    const view: InsightView = {
      featureVis,
      thumb,
      badge,
      kind,
      cancel,
      featureVisKey: '',
      examples: el('div', { class: 'examples', hidden: true }),
      examplesKey: '',
      caption: '',
    };
    cancel.addEventListener('click', (event) => {
      event.stopPropagation();
      this.post({ type: 'cancelFeatureVis' });
    });
    thumb.addEventListener('mouseenter', () => this.showPopover(view));
    thumb.addEventListener('mouseleave', () => {
      this.popover.hidden = true;
    });
    this.views.set(key, view);
    return view;
  }

  private showFeatureVis(view: InsightView, state: FeatureVisState): void {
    const key = `${view.caption} ${featureVisKey(state)}`;
    if (key === view.featureVisKey) return;
    view.featureVisKey = key;
    const { featureVis, thumb, badge, cancel } = view;
    featureVis.dataset.state = state.state;
    const ready = state.state === 'ready';
    thumb.hidden = !ready;
    if (ready && thumb.getAttribute('src') !== state.png) thumb.src = state.png;
    if (!ready) thumb.removeAttribute('src');
    cancel.hidden = state.state !== 'queued' && state.state !== 'running';
    featureVis.style.removeProperty('--progress');
    switch (state.state) {
      case 'ready':
        badge.textContent = '';
        featureVis.title = `Feature visualisation of ${view.caption}: activation ${formatActivation(state.activation)} (random inputs ${formatActivation(state.randomActivation)})`;
        break;
      case 'queued':
        badge.textContent = 'queued';
        featureVis.title = `Feature visualisation of ${view.caption}: waiting for the neurons before it`;
        break;
      case 'running': {
        const percent = Math.round(Math.max(0, Math.min(1, state.progress)) * 100);
        badge.textContent = `${percent}%`;
        featureVis.style.setProperty('--progress', `${percent}%`);
        featureVis.title = `Feature visualisation of ${view.caption}: ${percent}% of the optimisation steps done`;
        break;
      }
      case 'error':
        badge.textContent = '!';
        featureVis.title = `Feature visualisation failed: ${state.message}`;
        break;
      case 'off':
        badge.textContent = 'off';
        featureVis.title = `No feature visualisation: ${state.reason}`;
        break;
    }
    if (!ready && !this.popover.hidden) this.popover.hidden = true;
  }

  private showPopover(view: InsightView): void {
    const src = view.thumb.getAttribute('src');
    if (!src) return;
    if (this.popoverImage.getAttribute('src') !== src) this.popoverImage.src = src;
    this.popoverCaption.textContent = view.featureVis.title;
    this.popover.hidden = false;
    // Beside the thumbnail, on the side with room, kept inside the window.
    const rect = view.thumb.getBoundingClientRect();
    const width = this.popover.offsetWidth;
    const height = this.popover.offsetHeight;
    const right = rect.right + 8;
    const left = right + width <= window.innerWidth ? right : Math.max(4, rect.left - 8 - width);
    const top = Math.max(4, Math.min(rect.top, window.innerHeight - height - 4));
    this.popover.style.left = `${left}px`;
    this.popover.style.top = `${top}px`;
  }

  private showExamples(view: InsightView, examples: readonly DatasetExample[] | undefined): void {
    const key = examples === undefined ? 'none' : JSON.stringify(examples.map((e) => [e.path, e.activation, e.thumbnail.length]));
    if (key === view.examplesKey) return;
    view.examplesKey = key;
    view.examples.hidden = examples === undefined;
    if (examples === undefined) {
      view.examples.replaceChildren();
      return;
    }
    if (examples.length === 0) {
      view.examples.replaceChildren(el('span', { class: 'examples-none' }, 'no examples'));
      return;
    }
    view.examples.replaceChildren(
      ...examples.map((example) => {
        const button = el(
          'button',
          { class: 'example', type: 'button', 'data-path': example.path, title: `${example.path}\nmean activation ${formatActivation(example.activation)}\nClick to open` },
          el('img', { src: example.thumbnail, alt: example.path }),
          el('span', { class: 'example-activation' }, formatActivation(example.activation)),
        );
        button.addEventListener('click', () => this.post({ type: 'openImage', path: example.path }));
        return button;
      }),
    );
  }
}

function featureVisKey(state: FeatureVisState): string {
  switch (state.state) {
    case 'ready':
      return `ready ${state.activation} ${state.randomActivation} ${state.png}`;
    case 'running':
      return `running ${Math.round(state.progress * 100)}`;
    case 'queued':
      return 'queued';
    case 'error':
      return `error ${state.message}`;
    case 'off':
      return `off ${state.reason}`;
  }
}
