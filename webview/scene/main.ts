/**
 * Scene editor webview: wires the host channel, the three.js view, the frame capture and the controls.
 * The document (in the host) is the truth; this page shows it, applies the user's edits at once for feedback,
 * and sends them to the host, which turns each into an undoable document edit.
 */
import { assertNever, type HostToScene, type SceneToHost } from '../../core/protocol';
import type { Scene, SceneDiagnostic, SceneEdit } from '../../core/sceneTypes';
import { connect } from '../shared/vscodeApi';
import { el, mountRoot } from '../shared/dom';
import { ControlsPanel } from './controls';
import { FrameCapture } from './frames';
import { LiveEdits } from './liveEdits';
import { RenderRequests } from './renderRequests';
import { createModelInputView, type ViewModeState } from './modelInputView';
import { SceneRenderer } from './renderer';
import { defineSlider } from './slider';
import { ProblemsList, StatusLine } from './statusViews';
import { SweepSection } from './sweepSection';
import { attachOrbit } from './viewInteraction';

/** The view's largest size in CSS pixels; the model frames have their own sizes. */
const MAX_VIEW_PX = 512;
/** How long a released edit may wait for the document to show it before the document wins again. */
const EDIT_GRACE_MS = 1500;

defineSlider();
const channel = connect<SceneToHost, HostToScene, ViewModeState>();

// ---------------------------------------------------------------- page

const canvas = el('canvas', { id: 'view', 'aria-label': '3D view of the scene. Drag to orbit the camera, scroll to zoom.' });
const viewMessage = el('div', { class: 'view-message', hidden: true });
const modelInput = createModelInputView(channel, canvas, () => {
  frameWanted = true; // a fresh frame for the clean view (frames are only kept while it is shown)
  invalidate();
});
const viewWrap = el('div', { class: 'view-wrap' }, canvas, modelInput.canvas, modelInput.message, viewMessage);
const statusElement = el('div', { id: 'status' });
const problemsElement = el('section', { id: 'problems' });
const sceneName = el('h1', { class: 'scene-name' }, 'Perturber scene');
const openJson = el('button', { id: 'open-json', type: 'button', title: 'Open this scene in the text editor' }, 'Open as JSON');
const showPanels = el('button', { id: 'show-panels', type: 'button', title: 'Show the predictions and activations panels' }, 'Show panels');

const status = new StatusLine(statusElement);
const problems = new ProblemsList(problemsElement);
const live = new LiveEdits({ send: (edits) => channel.post({ type: 'edit', edits }), graceMs: EDIT_GRACE_MS });
const controls = new ControlsPanel(onEdit, (path) => live.isHolding(path));
controls.disabled = true;
const sweep = new SweepSection({ run: () => channel.post({ type: 'runSweep' }), showResults: () => channel.post({ type: 'showSweepResults' }) });
controls.element.append(sweep.element);
// No controls until there is a scene to show in them (a file broken from the start shows only its problems).
controls.element.hidden = true;

mountRoot().append(
  el('header', { class: 'toolbar' }, sceneName, el('div', { class: 'actions' }, showPanels, openJson)),
  statusElement,
  problemsElement,
  el('main', { class: 'layout' }, el('div', { class: 'view-column' }, modelInput.bar, viewWrap), controls.element),
);

openJson.addEventListener('click', () => channel.post({ type: 'openAsJson' }));
showPanels.addEventListener('click', () => channel.post({ type: 'showPanels' }));

// ---------------------------------------------------------------- state

/** What the view shows: the document's scene plus the edits it does not show yet. */
let shown: Scene | null = null;
/** The document's last scene, to fall back to when pending edits expire without a new message. */
let hostScene: Scene | null = null;
let expiryTimer: ReturnType<typeof setTimeout> | undefined;
/** The document does not parse: the view keeps `shown` (the last good scene), greyed, and posts no frames. */
let broken = false;
let docVersion = -1;
let diagnostics: readonly SceneDiagnostic[] = [];
let frameId = 0;
/** What the last posted frame showed; a frame is posted when this changes or the host sent a new scene. */
let lastFrameKey = '';
let frameWanted = false;
let drawRequest = 0;
/** Scene-relative path -> webview URI of the workspace files the scene names (object file, images). */
let resourceUris: Record<string, string> = {};
/** The legacy single background URI, for a host that sends no resourceUris. */
let backgroundUri: string | undefined;
/** The next apply follows a new document version: failed loads are tried again. */
let retryLoads = false;
/** An exception while syncing the three.js scene (a bug, or a scene the view cannot show). */
let applyProblem = '';
/** What #problems shows beside the diagnostics, to redraw it only when that changes. */
let shownViewProblems = '';

const capture = new FrameCapture();
let renderer: SceneRenderer | undefined;
/** Sweeps: scenes the host asks to render offscreen (the view shows the document's scene again afterwards). */
const renderRequests = new RenderRequests({
  renderer: () => renderer,
  resources: () => ({ uris: resourceUris, backgroundUri }),
  post: (message, transfer) => channel.post(message, transfer),
  restore: invalidate,
});
try {
  renderer = new SceneRenderer(canvas, {
    problem: onViewProblem,
    settled: () => {
      invalidate();
      renderRequests.kick();
    },
  });
} catch (error) {
  const message = `WebGL is not available, so the scene cannot be rendered (${error instanceof Error ? error.message : String(error)}).`;
  showViewMessage(message);
  channel.post({ type: 'problem', message });
}

attachOrbit(canvas, () => (broken ? null : shown), onEdit, (path, value) => controls.reflect(path, value));

new ResizeObserver(() => {
  renderer?.setViewSize(Math.min(viewWrap.clientWidth, MAX_VIEW_PX));
  invalidate();
}).observe(viewWrap);

channel.onMessage((message) => {
  switch (message.type) {
    case 'scene':
      onScene(message);
      break;
    case 'status':
      status.setHost(message.level, message.text);
      break;
    case 'frameDone':
      status.setLatency(message.frameId, message.totalMs);
      break;
    case 'perturbationOps':
      controls.setPerturbationOps(message.ops);
      break;
    case 'modelInput':
      modelInput.hostInput(message.frameId, message.images);
      break;
    case 'saliencyModels':
      modelInput.saliency.setModels(message.models);
      break;
    case 'saliency':
      modelInput.saliency.show(message);
      break;
    case 'renderRequest':
      renderRequests.add(message);
      break;
    case 'sweepRun':
      sweep.setRun(message.run, hostScene, diagnostics);
      break;
    default:
      assertNever(message);
  }
});

channel.post({ type: 'ready' });
modelInput.resume();

// ---------------------------------------------------------------- handlers

function onScene(message: Extract<HostToScene, { type: 'scene' }>): void {
  const newVersion = message.docVersion !== docVersion;
  docVersion = message.docVersion;
  status.sceneArrived();
  diagnostics = message.diagnostics;
  capture.setSizes(message.renderSizes);
  modelInput.setSizes(message.renderSizes);
  if (message.scene) {
    broken = false;
    hostScene = message.scene;
    shown = live.reconcile(message.scene);
    armExpiry();
    resourceUris = message.resourceUris ?? {};
    backgroundUri = message.backgroundUri;
    if (newVersion) {
      retryLoads = true;
      status.setNote('');
    }
    controls.setCheckpointFamilies(message.checkpointFamilies);
    controls.update(shown);
    controls.disabled = false;
    sweep.update(message.scene, diagnostics);
    sweep.disabled = false;
    controls.element.hidden = false;
    sceneName.textContent = shown.name;
  } else {
    broken = true;
    hostScene = null;
    live.reset();
    controls.disabled = true;
    sweep.disabled = true;
  }
  showProblems();
  document.body.classList.toggle('broken', broken);
  viewWrap.classList.toggle('stale', broken && shown !== null);
  if (broken && shown === null) showViewMessage('Nothing to show until the scene file is valid.');
  else if (renderer) hideViewMessage();
  // Every document change yields a frame (the host may be waiting for one), except the echoes of a drag in progress.
  if (!live.busy) frameWanted = true;
  invalidate();
}

function onEdit(edits: SceneEdit[], final: boolean): void {
  if (!shown || broken) return;
  try {
    shown = live.change(shown, edits, final);
  } catch (error) {
    status.setNote(`Could not apply the change: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  if (final) {
    controls.update(shown);
    armExpiry();
  }
  invalidate();
}

/**
 * A released edit the document never confirmed (an undo raced it, or the host refused it) stops overriding the
 * document after LiveEdits' grace period; without a new host message nothing else would show the document again.
 */
function armExpiry(): void {
  if (expiryTimer !== undefined) clearTimeout(expiryTimer);
  expiryTimer = undefined;
  if (!live.busy) return;
  expiryTimer = setTimeout(() => {
    expiryTimer = undefined;
    if (broken || !hostScene) return;
    shown = live.reconcile(hostScene);
    controls.update(shown);
    invalidate();
    armExpiry();
  }, EDIT_GRACE_MS + 50);
}

/**
 * A file the scene names did not load, an object could not be built, ...: the status line and the host hear of it
 * once; #problems lists what is still wrong each time the view is drawn.
 */
function onViewProblem(message: string): void {
  status.setNote(message);
  channel.post({ type: 'problem', message });
  invalidate();
}

function currentViewProblems(): string[] {
  if (broken) return [];
  return [...(renderer?.problems ?? []), ...(applyProblem ? [applyProblem] : [])];
}

function showProblems(): void {
  const list = currentViewProblems();
  shownViewProblems = list.join('\n');
  problems.show(diagnostics, broken, list);
}

// ---------------------------------------------------------------- drawing

/** Draws on the next animation frame; any number of changes before it coalesce into one render and one frame. */
function invalidate(): void {
  if (drawRequest === 0) drawRequest = requestAnimationFrame(draw);
}

function draw(): void {
  drawRequest = 0;
  // A sweep's render requests own the renderer until they are done (restore() draws again).
  if (!renderer || !shown || renderRequests.active) return;
  try {
    renderer.apply(shown, resourceUris, retryLoads, backgroundUri);
    applyProblem = '';
  } catch (error) {
    // A scene the view cannot show must not stop the page: report it and keep drawing what there is.
    const message = `Could not show the scene: ${error instanceof Error ? error.message : String(error)}`;
    if (message !== applyProblem) onViewProblem(message);
    applyProblem = message;
  }
  retryLoads = false;
  if (currentViewProblems().join('\n') !== shownViewProblems) showProblems();
  renderer.renderView();
  // No frames while the document is broken (the view is the stale last good scene) or a file is still loading.
  if (broken || !capture.hasSizes || renderer.pending) return;
  const key = JSON.stringify([shown, capture.sizesKey, resourceUris, renderer.contentKey]);
  if (!frameWanted && key === lastFrameKey) return;
  postFrame(renderer, shown);
  lastFrameKey = key;
  frameWanted = false;
}

function postFrame(view: SceneRenderer, scene: Scene): void {
  const captured = capture.capture(view.renderer, view.scene, view.camera, scene.camera);
  frameId += 1;
  modelInput.frame(frameId, captured.images); // copies them when shown: the pixels are transferred below
  channel.post(
    {
      type: 'frame',
      frameId,
      docVersion,
      images: captured.images,
      timing: { renderMs: captured.renderMs, readbackMs: captured.readbackMs, postedAt: Date.now() },
    },
    captured.images.map((image) => image.pixels.buffer),
  );
}

function showViewMessage(text: string): void {
  viewMessage.textContent = text;
  viewMessage.hidden = false;
  viewWrap.classList.add('empty');
}

function hideViewMessage(): void {
  viewMessage.hidden = true;
  viewWrap.classList.remove('empty');
}
