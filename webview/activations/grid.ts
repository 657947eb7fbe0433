/**
 * The activation columns: per model, per watched layer, a grid of neuron tiles with nearest-neighbour heatmaps.
 * The DOM is rebuilt only when the layout changes (models, layers, neurons, map sizes); frames only repaint.
 */
import type { LayerActivations, ModelActivations, NeuronActivation } from '../../core/protocol';
import { el } from '../shared/dom';
import { VIRIDIS_CSS, colorize } from './colormap';

export type ColorScale = 'shared' | 'per-neuron';

/** Tiles are about this wide on screen (CSS pixels; media/activations.css `.neuron canvas`). */
const TILE_PX = 72;

interface Tile {
  canvas: HTMLCanvasElement;
  mean: HTMLElement;
  element: HTMLElement;
}

/** Where a neuron's insights go (webview/activations/insights.ts fills them): beside the map, and under the tile. */
export interface NeuronSlots {
  featureVis: HTMLElement;
  examples: HTMLElement;
}

/** The key of a neuron's slots: model id, layer name and neuron index. */
export function neuronKey(modelId: string, layer: string, neuron: number): string {
  return JSON.stringify([modelId, layer, neuron]);
}

interface LayerView {
  legendMin: HTMLElement;
  legendMax: HTMLElement;
  legend: HTMLElement;
  tiles: Tile[];
}

interface ModelView {
  name: HTMLElement;
  error: HTMLElement;
  layers: LayerView[];
}

export function formatActivation(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  return abs >= 1e4 || abs < 1e-3 ? value.toExponential(2) : String(Number(value.toPrecision(3)));
}

function layoutKey(models: readonly ModelActivations[]): string {
  return JSON.stringify(
    models.map((m) => [m.id, m.layers.map((l) => [l.layer, l.channels, l.height, l.width, l.neurons.map((n) => n.index)])]),
  );
}

export class ActivationGrid {
  private key = '';
  private views: ModelView[] = [];
  private readonly scratch = document.createElement('canvas');
  private readonly scratchContext = this.scratch.getContext('2d');
  private imageData: ImageData | undefined;
  /** The insight slots of the tiles now in the DOM, by `neuronKey`. */
  readonly slots = new Map<string, NeuronSlots>();

  /** `onBuild` runs after the tiles were (re)built, so the insights can move their elements into the new slots. */
  constructor(
    private readonly container: HTMLElement,
    private readonly onBuild?: () => void,
  ) {}

  render(models: readonly ModelActivations[], scale: ColorScale): void {
    const key = layoutKey(models);
    if (key !== this.key) {
      this.build(models);
      this.key = key;
      this.onBuild?.();
    }
    models.forEach((model, m) => this.paintModel(model, this.views[m], scale));
  }

  private build(models: readonly ModelActivations[]): void {
    this.views = [];
    this.slots.clear();
    this.container.replaceChildren();
    for (const model of models) {
      const name = el('h2', { class: 'model-name' });
      const error = el('div', { class: 'model-error', role: 'alert', hidden: true });
      const column = el('section', { class: 'model-column', 'data-model-id': model.id }, name, error);
      const layers = model.layers.map((layer) => {
        const view = this.buildLayer(model.id, layer);
        column.append(view.element);
        return view.view;
      });
      if (model.layers.length === 0 && model.error === undefined) {
        column.append(el('p', { class: 'hint' }, 'No layers watched: add some under "watch" in the scene file, or let "Perturber: Find Class-Relevant Neurons" pick them.'));
      }
      this.container.append(column);
      this.views.push({ name, error, layers });
    }
  }

  private buildLayer(modelId: string, layer: LayerActivations): { element: HTMLElement; view: LayerView } {
    const legendMin = el('span', { class: 'legend-min' });
    const legendMax = el('span', { class: 'legend-max' });
    const bar = el('span', { class: 'legend-bar' });
    bar.style.background = VIRIDIS_CSS;
    const legend = el('span', { class: 'legend' }, legendMin, bar, legendMax);
    const grid = el('div', { class: 'neuron-grid' });
    const k = Math.max(1, Math.ceil(TILE_PX / Math.max(layer.width, layer.height, 1)));
    const tiles = layer.neurons.map((neuron) => {
      const canvas = el('canvas', { width: layer.width * k, height: layer.height * k });
      const mean = el('span', { class: 'neuron-mean' });
      const featureVis = el('div', { class: 'fv-slot' });
      const examples = el('div', { class: 'examples-slot' });
      const element = el(
        'figure',
        { class: 'neuron', 'data-layer': layer.layer, 'data-neuron': neuron.index },
        el('div', { class: 'neuron-row' }, canvas, featureVis),
        el('figcaption', {}, el('span', { class: 'neuron-index' }, `#${neuron.index}`), mean),
        examples,
      );
      // The feature visualisation is as tall as the map on screen (72 px wide, the map's aspect ratio).
      element.style.setProperty('--map-height', `${Math.round((TILE_PX * layer.height) / Math.max(layer.width, 1))}px`);
      this.slots.set(neuronKey(modelId, layer.layer, neuron.index), { featureVis, examples });
      grid.append(element);
      return { canvas, mean, element };
    });
    const heading = el(
      'div',
      { class: 'layer-heading' },
      el('span', { class: 'layer-name', title: layer.tensor === layer.layer ? layer.tensor : `${layer.layer} (tensor ${layer.tensor})` }, layer.layer),
      el('span', { class: 'layer-shape' }, `${layer.channels} × ${layer.height} × ${layer.width}`),
      legend,
    );
    return { element: el('div', { class: 'layer', 'data-layer': layer.layer }, heading, grid), view: { legendMin, legendMax, legend, tiles } };
  }

  private paintModel(model: ModelActivations, view: ModelView, scale: ColorScale): void {
    view.name.textContent = model.checkpoint ? `${model.displayName} · checkpoint ${model.checkpoint.label}` : model.displayName;
    view.name.title = `${model.displayName} (id "${model.id}")`;
    view.error.hidden = model.error === undefined;
    view.error.textContent = model.error ?? '';
    model.layers.forEach((layer, l) => {
      const layerView = view.layers[l];
      let min = Infinity;
      let max = -Infinity;
      for (const n of layer.neurons) {
        min = Math.min(min, n.min);
        max = Math.max(max, n.max);
      }
      if (scale === 'shared' && layer.neurons.length > 0) {
        layerView.legendMin.textContent = formatActivation(min);
        layerView.legendMax.textContent = formatActivation(max);
        layerView.legend.title = 'One colour scale for all neurons of this layer';
      } else {
        layerView.legendMin.textContent = 'min';
        layerView.legendMax.textContent = 'max';
        layerView.legend.title = 'Each neuron scaled to its own minimum and maximum (see the tile\'s tooltip)';
      }
      layer.neurons.forEach((neuron, i) => {
        const tile = layerView.tiles[i];
        const lo = scale === 'shared' ? min : neuron.min;
        const hi = scale === 'shared' ? max : neuron.max;
        this.paintTile(tile, neuron, layer, lo, hi);
      });
    });
  }

  private paintTile(tile: Tile, neuron: NeuronActivation, layer: LayerActivations, lo: number, hi: number): void {
    const { width, height } = layer;
    tile.mean.textContent = formatActivation(neuron.mean);
    tile.element.title = `${layer.layer} neuron ${neuron.index}\nmean ${formatActivation(neuron.mean)}, min ${formatActivation(neuron.min)}, max ${formatActivation(neuron.max)}`;
    const context = tile.canvas.getContext('2d');
    if (!context || !this.scratchContext || neuron.map.length !== width * height) return;
    if (this.scratch.width !== width || this.scratch.height !== height) {
      this.scratch.width = width;
      this.scratch.height = height;
    }
    if (this.imageData?.width !== width || this.imageData.height !== height) this.imageData = new ImageData(width, height);
    colorize(neuron.map, lo, hi, this.imageData.data);
    this.scratchContext.putImageData(this.imageData, 0, 0);
    context.imageSmoothingEnabled = false;
    context.drawImage(this.scratch, 0, 0, tile.canvas.width, tile.canvas.height);
  }
}
