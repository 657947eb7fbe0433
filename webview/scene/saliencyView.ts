/**
 * The view's "Saliency" mode: which pixels of the model input the chosen class depends on, as a viridis heatmap
 * (alpha growing with saliency, so the image shows through where the map is low) over the model input at its input
 * size, scaled up like the other model-input modes. Pickers: the model, the class ("top-1" follows the model's
 * prediction of each frame; the current top predictions come first) and the method (gradient, integrated gradients).
 * The host computes the maps (src/sceneEditor/saliencyService.ts); this page only asks and draws.
 */
import type { SaliencyMessage, SaliencyMethod, SaliencyModelInfo, SceneToHost } from '../../core/protocol';
import { VIRIDIS } from '../activations/colormap';
import { el } from '../shared/dom';

export interface SaliencyState {
  saliencyModel?: string;
  saliencyClass?: number | null;
  saliencyMethod?: SaliencyMethod;
}

/** Most opaque the heatmap gets (at saliency 1). */
const MAX_ALPHA = 0.8;

const METHODS: readonly (readonly [SaliencyMethod, string])[] = [
  ['gradient', 'Gradient'],
  ['integratedGradients', 'Integrated gradients'],
];

export class SaliencyView {
  /** The pickers and the caption, shown in the view bar while the mode is on. */
  readonly controls: HTMLElement;
  private readonly model = el('select', { id: 'saliency-model', 'aria-label': 'Model to explain' });
  private readonly klass = el('select', { id: 'saliency-class', 'aria-label': 'Class to explain' });
  private readonly method = el('select', { id: 'saliency-method', 'aria-label': 'Saliency method' });
  private readonly caption = el('span', { class: 'saliency-caption' });
  private models: SaliencyModelInfo[] = [];
  private latest: SaliencyMessage | undefined;
  private classKey = '';
  private active = false;

  constructor(
    state: SaliencyState | undefined,
    private readonly canvas: HTMLCanvasElement,
    private readonly message: HTMLElement,
    /** The user changed a picker: save the state and tell the host. */
    private readonly changed: (state: SaliencyState) => void,
  ) {
    for (const [value, label] of METHODS) this.method.append(el('option', { value }, label));
    this.method.value = state?.saliencyMethod === 'integratedGradients' ? 'integratedGradients' : 'gradient';
    if (state?.saliencyModel) this.model.append(el('option', { value: state.saliencyModel }, state.saliencyModel));
    this.model.value = state?.saliencyModel ?? '';
    this.setClassOptions(state?.saliencyClass ?? null);
    this.model.addEventListener('change', () => {
      // Another model has other classes: follow its top-1.
      this.setClassOptions(null);
      this.notify();
    });
    this.klass.addEventListener('change', () => this.notify());
    this.method.addEventListener('change', () => this.notify());
    this.controls = el(
      'div',
      { class: 'saliency-controls', hidden: true },
      el('label', {}, 'Model ', this.model),
      el('label', {}, 'Class ', this.klass),
      el('label', {}, 'Method ', this.method),
      this.caption,
    );
  }

  /** The state the host is told about (`saliencyView`). */
  get state(): SaliencyState {
    const klass = this.klass.value === '' ? null : Number(this.klass.value);
    return { saliencyModel: this.model.value || undefined, saliencyClass: klass, saliencyMethod: this.method.value as SaliencyMethod };
  }

  /** The `saliencyView` message for the current pickers. */
  request(enabled: boolean): SceneToHost {
    const { saliencyModel, saliencyClass, saliencyMethod } = this.state;
    const message: Extract<SceneToHost, { type: 'saliencyView' }> = { type: 'saliencyView', enabled, method: saliencyMethod ?? 'gradient', classIndex: saliencyClass ?? null };
    if (saliencyModel !== undefined) message.model = saliencyModel;
    return message;
  }

  setActive(active: boolean): void {
    this.active = active;
    this.controls.hidden = !active;
    if (active) this.draw();
  }

  /** The host's list of explainable models. */
  setModels(models: SaliencyModelInfo[]): void {
    this.models = models;
    const keep = this.model.value;
    this.model.replaceChildren(...models.map((m) => el('option', { value: m.id, title: m.displayName }, m.id)));
    if (models.some((m) => m.id === keep)) this.model.value = keep;
    else if (keep !== '' && models.length > 0) {
      this.model.value = models[0].id;
      this.setClassOptions(null);
      this.notify();
      return;
    }
    this.setClassOptions(this.state.saliencyClass ?? null);
  }

  /** A map (or an error) from the host. */
  show(message: SaliencyMessage): void {
    // Maps of a model or method no longer picked are stale answers to an older request.
    if (this.model.value !== '' && message.model !== '' && message.model !== this.model.value) return;
    if (message.method !== this.method.value) return;
    this.latest = message;
    if (this.model.value === '' && message.model !== '') this.model.value = message.model;
    this.setClassOptions(this.state.saliencyClass ?? null);
    if (this.active) this.draw();
  }

  /** Draws the latest map over its model input, pixel for pixel (CSS scales it up). */
  draw(): void {
    const m = this.latest;
    if (!m || m.error !== undefined || !m.input || m.map.length !== m.width * m.height) {
      this.message.hidden = false;
      this.message.textContent = m?.error !== undefined ? `No saliency map: ${m.error}` : 'Computing the saliency map…';
      this.caption.textContent = '';
      return;
    }
    this.message.hidden = true;
    const { width, height, map, input } = m;
    this.canvas.width = width;
    this.canvas.height = height;
    const out = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      const v = Math.max(0, Math.min(1, map[i]));
      const c = Math.round(v * 255) * 3;
      const a = MAX_ALPHA * v;
      for (let k = 0; k < 3; k++) out[i * 4 + k] = input.pixels[i * 4 + k] * (1 - a) + VIRIDIS[c + k] * a;
      out[i * 4 + 3] = 255;
    }
    this.canvas.getContext('2d')?.putImageData(new ImageData(out, width, height), 0, 0);
    Object.assign(this.canvas.dataset, {
      kind: 'saliency',
      frameId: String(m.frameId),
      size: `${width}x${height}`,
      model: m.model,
      method: m.method,
      classIndex: String(m.classIndex),
    });
    const methodName = METHODS.find(([k]) => k === m.method)?.[1] ?? m.method;
    this.caption.textContent = `${methodName} for “${m.label}”`;
  }

  private notify(): void {
    this.changed(this.state);
  }

  /** Class options: "top-1", then the latest top predictions, then every label; keeps `selected`. */
  private setClassOptions(selected: number | null): void {
    const info = this.models.find((x) => x.id === (this.model.value || this.latest?.model));
    const top = this.latest && this.latest.model === info?.id ? this.latest.top : [];
    const key = JSON.stringify([info?.id, top.map((p) => [p.index, p.probability.toFixed(3)]), selected]);
    if (key === this.classKey) return;
    this.classKey = key;
    const options: HTMLElement[] = [el('option', { value: '' }, 'Top-1 (follows the prediction)')];
    if (top.length > 0) {
      options.push(el('optgroup', { label: 'Top predictions now' }, ...top.map((p) => el('option', { value: String(p.index) }, `${p.label} (${(100 * p.probability).toFixed(1)}%)`))));
    }
    const shown = new Set(top.map((p) => p.index));
    const all = (info?.labels ?? []).map((label, i) => ({ label, index: i + (info?.labelOffset ?? 0) })).filter((c) => !shown.has(c.index));
    if (all.length > 0) options.push(el('optgroup', { label: 'All classes' }, ...all.map((c) => el('option', { value: String(c.index) }, c.label))));
    if (selected !== null && !shown.has(selected) && !all.some((c) => c.index === selected)) {
      options.push(el('option', { value: String(selected) }, `class ${selected}`));
    }
    this.klass.replaceChildren(...options);
    this.klass.value = selected === null ? '' : String(selected);
  }
}
