/**
 * Before/after: the view shows the 3D scene ("Scene"), or the model input exactly as a model sees it, at its
 * input size scaled up with nearest-neighbour: "Model input: clean" is this page's own frame at that size,
 * "Model input: perturbed" the image the host sent back after applying the scene's perturbations (it sends it
 * only while this mode is on). With several input sizes a picker chooses one. The mode survives a reload
 * (webview state).
 */
import type { FrameImage, HostToScene, RenderSize, SceneToHost } from '../../core/protocol';
import type { WebviewChannel } from '../shared/vscodeApi';
import { el } from '../shared/dom';
import { SaliencyView, type SaliencyState } from './saliencyView';

export type ViewMode = 'scene' | 'clean' | 'perturbed' | 'saliency';

export interface ViewModeState extends SaliencyState {
  viewMode?: ViewMode;
  viewSize?: string;
}

const MODES: readonly (readonly [ViewMode, string, string])[] = [
  ['scene', 'Scene', 'The 3D view of the scene.'],
  ['clean', 'Model input: clean', 'The rendered frame at the model input size, as a model sees it without perturbations.'],
  ['perturbed', 'Model input: perturbed', 'What the models see: the frame after the scene\'s perturbations, computed by the extension host.'],
  ['saliency', 'Saliency', 'Which pixels of the model input a class depends on: a heatmap (gradient or integrated gradients) over what the model saw.'],
];

const keyOf = (size: RenderSize): string => `${size.width}x${size.height}`;

export class ModelInputView {
  /** The mode buttons and the size picker (above the view). */
  readonly bar: HTMLElement;
  /** The scaled-up model input (in the view's place while a model input mode is on). */
  readonly canvas = el('canvas', { id: 'model-input', 'aria-label': 'The model input, scaled up' });
  readonly message = el('div', { class: 'model-input-message', hidden: true });
  private readonly buttons = new Map<ViewMode, HTMLButtonElement>();
  private readonly size = el('select', { id: 'view-size', 'aria-label': 'Model input size', hidden: true });
  private mode: ViewMode;
  private sizes: RenderSize[] = [];
  private clean: { frameId: number; images: FrameImage[] } | undefined;
  private perturbed: { frameId: number; images: FrameImage[] } | undefined;
  /** The Saliency mode's pickers and heatmap (it draws into this view's canvas). */
  readonly saliency: SaliencyView;

  constructor(
    state: ViewModeState | undefined,
    private readonly changed: (state: ViewModeState, previous: ViewMode) => void,
  ) {
    this.saliency = new SaliencyView(state, this.canvas, this.message, () => this.notify(this.mode));
    this.mode = state?.viewMode && MODES.some(([m]) => m === state.viewMode) ? state.viewMode : 'scene';
    const group = el('div', { id: 'view-mode', role: 'group', 'aria-label': 'What the view shows' });
    for (const [mode, label, title] of MODES) {
      const button = el('button', { type: 'button', 'data-mode': mode, title }, label);
      button.addEventListener('click', () => this.setMode(mode));
      this.buttons.set(mode, button);
      group.append(button);
    }
    if (state?.viewSize) this.size.append(el('option', { value: state.viewSize }, state.viewSize));
    this.size.value = state?.viewSize ?? '';
    this.size.addEventListener('change', () => {
      this.notify(this.mode);
      this.draw();
    });
    this.bar = el('div', { class: 'view-bar' }, group, this.size, this.saliency.controls);
    this.showMode();
  }

  get current(): ViewMode {
    return this.mode;
  }

  /** After `ready`: a reloaded page in the perturbed mode asks the host for the model input again. */
  resume(): void {
    if (this.mode === 'perturbed' || this.mode === 'saliency') this.notify('scene');
  }

  /** The render sizes of the scene's models (from the host's `scene` message). */
  setSizes(sizes: readonly RenderSize[]): void {
    this.sizes = [...sizes];
    const keep = this.size.value;
    this.size.replaceChildren(...this.sizes.map((s) => el('option', { value: keyOf(s) }, `${s.width}×${s.height}`)));
    if (this.sizes.some((s) => keyOf(s) === keep)) this.size.value = keep;
    this.size.hidden = this.sizes.length < 2 || this.mode === 'scene' || this.mode === 'saliency';
    this.draw();
  }

  /** A frame this page is posting; kept (copied: the originals are transferred to the host) while the clean view shows. */
  frame(frameId: number, images: readonly FrameImage[]): void {
    if (this.mode !== 'clean') return;
    this.clean = { frameId, images: images.map((i) => ({ ...i, pixels: i.pixels.slice() })) };
    this.draw();
  }

  /** The host's model input of a frame, after the perturbations. */
  hostInput(frameId: number, images: FrameImage[]): void {
    this.perturbed = { frameId, images };
    if (this.mode === 'perturbed') this.draw();
  }

  private setMode(mode: ViewMode): void {
    const previous = this.mode;
    this.mode = mode;
    this.showMode();
    this.notify(previous);
    this.draw();
  }

  private notify(previous: ViewMode): void {
    this.changed({ viewMode: this.mode, viewSize: this.size.value || undefined, ...this.saliency.state }, previous);
  }

  private showMode(): void {
    for (const [mode, button] of this.buttons) button.setAttribute('aria-pressed', String(mode === this.mode));
    const scene = this.mode === 'scene';
    this.canvas.hidden = scene;
    // The saliency map is at its model's size: the model picker chooses it.
    this.size.hidden = scene || this.mode === 'saliency' || this.sizes.length < 2;
    this.saliency.setActive(this.mode === 'saliency');
    if (scene) this.message.hidden = true;
  }

  /** Draws the chosen size's image of the current mode, pixel for pixel (CSS scales it up, pixelated). */
  private draw(): void {
    if (this.mode === 'scene') return;
    if (this.mode === 'saliency') {
      this.saliency.draw();
      return;
    }
    const source = this.mode === 'clean' ? this.clean : this.perturbed;
    const wanted = this.sizes.find((s) => keyOf(s) === this.size.value) ?? this.sizes[0];
    const image = wanted && source?.images.find((i) => i.width === wanted.width && i.height === wanted.height);
    this.message.hidden = image !== undefined;
    if (!image || !source) {
      this.message.textContent = this.sizes.length === 0 ? 'No model input yet: the scene has no loaded model.' : 'Waiting for the next frame…';
      return;
    }
    this.canvas.width = image.width;
    this.canvas.height = image.height;
    const pixels = new Uint8ClampedArray(image.pixels.length);
    pixels.set(image.pixels);
    this.canvas.getContext('2d')?.putImageData(new ImageData(pixels, image.width, image.height), 0, 0);
    this.canvas.dataset.frameId = String(source.frameId);
    this.canvas.dataset.kind = this.mode;
    this.canvas.dataset.size = keyOf(image);
  }
}

/**
 * The view wired to the page: the mode is saved in the webview state, the host is told when the perturbed mode
 * starts or stops, the 3D canvas hides while a model input shows, and `refresh` asks for a new frame.
 */
export function createModelInputView(
  channel: WebviewChannel<SceneToHost, HostToScene, ViewModeState>,
  sceneCanvas: HTMLCanvasElement,
  refresh: () => void,
): ModelInputView {
  const view = new ModelInputView(channel.getState(), (state, previous) => {
    channel.setState(state);
    if (state.viewMode === 'perturbed' || previous === 'perturbed') channel.post({ type: 'modelInputView', enabled: state.viewMode === 'perturbed' });
    if (state.viewMode === 'saliency' || previous === 'saliency') channel.post(view.saliency.request(state.viewMode === 'saliency'));
    sceneCanvas.hidden = state.viewMode !== 'scene';
    refresh();
  });
  sceneCanvas.hidden = view.current !== 'scene';
  return view;
}
