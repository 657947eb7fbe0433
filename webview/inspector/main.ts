/**
 * The model inspector (issue 10): the read-only editor of `*.onnx` files. The host (src/modelInspector/) sends the
 * file's summary and manifest, then the layers once the model has run; this page draws them as cards and posts the
 * buttons (Add to scene, Create / Edit manifest). A file that cannot be inspected shows why, never a blank page.
 * Nothing is persisted: the host sends everything again when the page reloads.
 */
import type { HostToInspector, InspectorToHost } from '../../core/inspectorMessages';
import { formatBytes } from '../../core/modelFormat';
import { assertNever } from '../../core/protocol';
import { el, mountRoot } from '../shared/dom';
import { connect } from '../shared/vscodeApi';
import { button, gradients, inputsOutputs, layers, manifest, operators, tiles } from './sections';

type ModelMessage = Extract<HostToInspector, { type: 'model' }>;
type LayersMessage = Extract<HostToInspector, { type: 'layers' }>;

const channel = connect<InspectorToHost, HostToInspector, never>();
const post = (message: InspectorToHost): void => channel.post(message);

const title = el('h1', { id: 'file-name', class: 'file-name' }, 'Model inspector');
const subtitle = el('span', { id: 'file-facts', class: 'file-facts' });
const actions = el('div', { class: 'header-actions' });
const status = el('div', { id: 'notice', class: 'note', role: 'status' });
const errorBox = el('div', { id: 'inspect-error', class: 'inspect-error', role: 'alert', hidden: true });
const loading = el('div', { id: 'loading', class: 'empty' }, 'Reading the model…');
const content = el('div', { id: 'content', hidden: true });
mountRoot().append(el('header', { class: 'panel-header' }, el('div', { class: 'titles' }, title, subtitle), actions), status, errorBox, loading, content);

let model: ModelMessage | undefined;
let layerInfo: LayersMessage | undefined;

function render(): void {
  if (!model) return;
  const { summary } = model;
  document.body.dataset.state = 'model';
  title.textContent = model.file;
  const main = summary.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  subtitle.textContent = [`ONNX IR ${summary.irVersion}`, main ? `opset ${main.version}` : '', summary.producer, formatBytes(summary.fileBytes)].filter((s) => s).join(' · ');
  actions.replaceChildren(
    button('add-to-scene', 'Add to scene', () => post({ type: 'addToScene' }), true),
    model.manifest.state === 'absent'
      ? button('header-create-manifest', 'Create manifest', () => post({ type: 'createManifest' }), false)
      : button('header-edit-manifest', 'Edit manifest', () => post({ type: 'editManifest' }), false),
  );
  content.replaceChildren(
    tiles(summary, layerInfo?.layers.length),
    el(
      'div',
      { class: 'columns-2' },
      el('div', { class: 'column' }, inputsOutputs(summary), gradients(summary), manifest(model.manifest, () => post({ type: 'createManifest' }), () => post({ type: 'editManifest' }))),
      el('div', { class: 'column' }, operators(summary), layers(layerInfo?.layers, layerInfo?.probed ?? false, layerInfo?.note)),
    ),
  );
  errorBox.hidden = true;
  loading.hidden = true;
  content.hidden = false;
  document.body.dataset.layers = layerInfo ? String(layerInfo.layers.length) : '';
}

function showError(file: string, message: string): void {
  model = undefined;
  layerInfo = undefined;
  document.body.dataset.state = 'error';
  title.textContent = file;
  subtitle.textContent = 'cannot be inspected';
  actions.replaceChildren();
  errorBox.replaceChildren(
    el('div', { class: 'error-title' }, `${file} cannot be inspected`),
    el('div', { class: 'error-message' }, message),
    el('div', { class: 'error-hint' }, 'The model inspector reads ONNX model files: one protobuf file of at most 2 GiB with its weights inside. Re-export the model, or open the file with another editor ("Reopen Editor With…").'),
  );
  errorBox.hidden = false;
  loading.hidden = true;
  content.hidden = true;
}

let noticeTimer: ReturnType<typeof setTimeout> | undefined;
function notice(text: string, failed: boolean): void {
  status.textContent = text;
  status.classList.toggle('failed', failed);
  if (noticeTimer !== undefined) clearTimeout(noticeTimer);
  noticeTimer = failed ? undefined : setTimeout(() => (status.textContent = ''), 8000);
}

channel.onMessage((message) => {
  switch (message.type) {
    case 'model':
      // A new summary (the file or its manifest changed): layers follow in their own message.
      model = message;
      layerInfo = undefined;
      render();
      break;
    case 'layers':
      layerInfo = message;
      render();
      break;
    case 'inspectError':
      showError(message.file, message.message);
      break;
    case 'notice':
      notice(message.text, message.failed);
      break;
    default:
      assertNever(message);
  }
});

post({ type: 'ready' });
