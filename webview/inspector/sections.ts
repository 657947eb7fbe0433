/**
 * The model inspector's cards, each built from what the host sent (core/inspectorMessages.ts): key figures, inputs
 * and outputs, gradient support, operator counts as a bar list, the manifest, and the layers with their shapes.
 */
import type { InspectorLayer, InspectorManifest } from '../../core/inspectorMessages';
import { formatBytes, formatCount, formatDims } from '../../core/modelFormat';
import type { ModelSummary } from '../../core/modelSummary';
import type { OnnxTensorInfo } from '../../core/onnxGraph';
import { el, type Child } from '../shared/dom';

export function card(id: string, title: string, ...children: Child[]): HTMLElement {
  return el('section', { id, class: 'card' }, el('h2', {}, title), ...children);
}

function tile(label: string, value: string, detail: string, tone = ''): HTMLElement {
  return el('div', { class: `tile ${tone}`.trim(), 'data-tile': label }, el('div', { class: 'tile-value' }, value), el('div', { class: 'tile-label' }, label), el('div', { class: 'tile-detail' }, detail));
}

/** The row of key figures under the header. */
export function tiles(summary: ModelSummary, layerCount: number | undefined): HTMLElement {
  const g = summary.gradients;
  return el(
    'div',
    { id: 'tiles', class: 'tiles' },
    tile('parameters', formatCount(summary.parameterCount), `${summary.parameterCount.toLocaleString('en-US')} in ${summary.initializerCount} initializers`),
    tile('weights', formatBytes(summary.weightBytes), `file ${formatBytes(summary.fileBytes)}${summary.weightBytes > summary.fileBytes && !summary.externalData ? ': weights not stored' : ''}`),
    tile('nodes', String(summary.nodeCount), `${summary.ops.length} operator types`),
    tile('layers', layerCount === undefined ? '…' : String(layerCount), 'watchable'),
    tile('gradients', g.supported ? 'supported' : 'unsupported', g.supported ? 'every op has a rule' : g.reason ?? `${g.unsupported.length} op type(s) without a rule`, g.supported ? 'good' : 'bad'),
  );
}

function dims(tensor: OnnxTensorInfo): HTMLElement {
  const parts: Child[] = ['['];
  if (tensor.dims.length === 0) parts.push(el('span', { class: 'dim unknown', title: 'unknown rank' }, '?'));
  tensor.dims.forEach((d, i) => {
    if (i > 0) parts.push(', ');
    if (typeof d === 'number') parts.push(el('span', { class: 'dim' }, String(d)));
    else if (d) parts.push(el('span', { class: 'dim symbolic', title: 'symbolic dimension: set when the model runs' }, d));
    else parts.push(el('span', { class: 'dim unknown', title: 'unknown size' }, '?'));
  });
  parts.push(']');
  return el('code', { class: 'shape', title: formatDims(tensor.dims) }, ...parts);
}

/** Inputs and outputs: role, name, element type, shape (symbolic dimensions marked). */
export function inputsOutputs(summary: ModelSummary): HTMLElement {
  const row = (role: string, t: OnnxTensorInfo): HTMLElement =>
    el('tr', { 'data-tensor': t.name }, el('td', { class: 'role' }, role), el('td', {}, el('code', {}, t.name)), el('td', { class: 'type' }, t.elemType), el('td', {}, dims(t)));
  const opsets = summary.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ');
  return card(
    'io',
    'Inputs and outputs',
    el('table', { class: 'grid-table' }, el('tbody', {}, ...summary.inputs.map((t) => row('input', t)), ...summary.outputs.map((t) => row('output', t)))),
    el(
      'dl',
      { class: 'facts' },
      el('dt', {}, 'opset'), el('dd', { id: 'opsets' }, opsets),
      el('dt', {}, 'IR version'), el('dd', {}, String(summary.irVersion)),
      el('dt', {}, 'producer'), el('dd', { id: 'producer' }, summary.producer || 'not recorded'),
      summary.graphName ? el('dt', {}, 'graph') : null, summary.graphName ? el('dd', {}, summary.graphName) : null,
    ),
    summary.externalData ? el('p', { class: 'problem' }, 'Some weights live in separate files (external data): the extension cannot load this model; save it as one .onnx file.') : null,
  );
}

/** Gradient support: a clear yes, or the operators without a rule and what that rules out. */
export function gradients(summary: ModelSummary): HTMLElement {
  const g = summary.gradients;
  if (g.supported) {
    return card('gradients', 'Gradients', el('p', { class: 'verdict good' }, el('span', { class: 'mark' }, '✓'), el('span', {}, el('strong', {}, 'Gradients: supported. '), `Every operator between ${g.input ?? 'the input'} and the output has a gradient rule: attacks, saliency, class-relevant neurons and feature visualisation work for this model.`)));
  }
  const lead = g.reason ?? `No gradient rule for ${g.unsupported.length === 1 ? 'this operator' : 'these operators'} on the way from ${g.input ?? 'the input'} to the output:`;
  return card(
    'gradients',
    'Gradients',
    el('p', { class: 'verdict bad' }, el('span', { class: 'mark' }, '✗'), el('span', {}, el('strong', {}, 'Gradients: not supported. '), lead)),
    g.unsupported.length > 0 ? el('ul', { id: 'unsupported-ops', class: 'chips' }, ...g.unsupported.map((o) => el('li', { class: 'chip bad', 'data-op': o.op }, `${o.op} ×${o.count}`))) : null,
    el('p', { class: 'hint' }, 'Attacks, saliency, class-relevant neurons and feature visualisation will not work for this model; predictions and activations do.'),
  );
}

/** Operator counts, most frequent first, as bars; operators without a gradient rule are marked. */
export function operators(summary: ModelSummary): HTMLElement {
  const max = Math.max(1, ...summary.ops.map((o) => o.count));
  const unsupported = new Set(summary.gradients.unsupported.map((o) => o.op));
  const rows = summary.ops.map((o) =>
    el(
      'li',
      { class: unsupported.has(o.op) ? 'op-row unsupported' : 'op-row', 'data-op': o.op, 'data-count': o.count, title: unsupported.has(o.op) ? `${o.op}: no gradient rule` : o.op },
      el('span', { class: 'op-name' }, o.op),
      el('span', { class: 'op-bar' }, el('span', { class: 'op-fill', style: `width: ${((100 * o.count) / max).toFixed(1)}%` })),
      el('span', { class: 'op-count' }, String(o.count)),
    ),
  );
  return card('operators', `Operators (${summary.nodeCount} nodes)`, el('ol', { id: 'op-list', class: 'op-list' }, ...rows));
}

function rangeText(values: readonly number[]): string {
  return `[${values.map((v) => String(Number(v.toFixed(4)))).join(', ')}]`;
}

/** The manifest's fields and problems, or why there is none and what "Create manifest" does. */
export function manifest(info: InspectorManifest, create: () => void, edit: () => void): HTMLElement {
  if (info.state === 'absent') {
    return card(
      'manifest',
      'Manifest',
      el('p', { class: 'verdict warn' }, el('span', { class: 'mark' }, '!'), el('span', {}, el('strong', {}, `No ${info.file}. `), 'Scenes run this model on settings guessed from the graph (input size, a [0, 1] range, no mean/std, no labels).')),
      el('div', { class: 'actions' }, button('create-manifest', 'Create manifest', create, true)),
      el('p', { class: 'hint' }, 'Writes the proposed manifest beside the model (never over an existing file) and opens it: check its preprocessing and labels.'),
    );
  }
  const m = info.manifest;
  const facts: Child[] = [];
  const fact = (term: string, value: string): void => void facts.push(el('dt', {}, term), el('dd', {}, value));
  if (m) {
    fact('display name', m.displayName);
    fact('input', `${m.input.name} · ${m.input.width}×${m.input.height} ${m.input.layout} ${m.input.channelOrder}`);
    fact('range', rangeText(m.input.range));
    fact('mean / std', `${rangeText(m.input.mean)} / ${rangeText(m.input.std)}`);
    fact('output', `${m.output.name} · ${m.output.kind}`);
    fact('labels', Array.isArray(m.labels) ? `${m.labels.length} listed${m.labelOffset ? `, offset ${m.labelOffset}` : ''}` : `${m.labels}${m.labelOffset ? `, offset ${m.labelOffset}` : ''}`);
    const aliases = Object.keys(m.layerAliases);
    fact('layer aliases', aliases.length === 0 ? 'none' : `${aliases.length}: ${aliases.slice(0, 8).join(', ')}${aliases.length > 8 ? ', …' : ''}`);
    if (Array.isArray(m.checkpoints) && m.checkpoints.length) fact('checkpoints', `${m.checkpoints.length}: ${m.checkpoints.map((c) => c.label).join(', ')}`);
    else if (m.checkpoints !== undefined && !Array.isArray(m.checkpoints)) fact('checkpoints', `files matching ${typeof m.checkpoints === 'string' ? m.checkpoints : m.checkpoints.pattern}`);
  }
  const verdict =
    info.problems.length === 0
      ? el('p', { class: 'verdict good' }, el('span', { class: 'mark' }, '✓'), el('span', {}, el('strong', {}, `${info.file}`), ' fits the graph.'))
      : el('p', { class: 'verdict bad' }, el('span', { class: 'mark' }, '✗'), el('span', {}, el('strong', {}, `${info.file}: `), `${info.problems.length} problem${info.problems.length === 1 ? '' : 's'}`));
  return card(
    'manifest',
    'Manifest',
    verdict,
    info.problems.length > 0 ? el('ul', { id: 'manifest-problems', class: 'problems' }, ...info.problems.map((p) => el('li', {}, p))) : null,
    m ? el('dl', { class: 'facts' }, ...facts) : null,
    el('div', { class: 'actions' }, button('edit-manifest', 'Edit manifest', edit, false)),
  );
}

export function button(id: string, text: string, onClick: () => void, primary: boolean): HTMLButtonElement {
  const b = el('button', { id, type: 'button', class: primary ? 'primary' : 'secondary' }, text);
  b.addEventListener('click', onClick);
  return b;
}

function shapeCell(shape: readonly (number | null)[]): HTMLElement {
  return el('code', { class: 'shape' }, shape.map((d) => (d === null ? '?' : String(d))).join(' × '));
}

/** The watchable layers (named ones first), with op and output shape; a note when they come from the graph only. */
export function layers(list: readonly InspectorLayer[] | undefined, probed: boolean, note: string | undefined): HTMLElement {
  if (list === undefined) return card('layers', 'Layers', el('p', { class: 'hint' }, 'Running the model once to find the layers and their shapes…'));
  const rows = list.map((l) =>
    el(
      'tr',
      { class: l.named ? 'named' : '', 'data-layer': l.name },
      el('td', { class: 'layer-name', title: l.tensor }, l.name, l.name !== l.tensor ? el('span', { class: 'tensor' }, l.tensor) : null),
      el('td', {}, el('span', { class: 'op-pill' }, l.op)),
      el('td', {}, shapeCell(l.shape)),
    ),
  );
  return card(
    'layers',
    `Layers (${list.length})`,
    note ? el('p', { class: probed ? 'hint' : 'problem' }, note) : null,
    el('div', { class: 'table-scroll' }, el('table', { id: 'layer-table', class: 'grid-table' }, el('thead', {}, el('tr', {}, el('th', {}, 'layer'), el('th', {}, 'op'), el('th', {}, probed ? 'output (C × H × W)' : 'output (recorded)'))), el('tbody', {}, ...rows))),
  );
}
