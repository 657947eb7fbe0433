/**
 * Direct manipulation in the 3D view: drag to orbit the camera (azimuth/elevation), wheel to zoom (distance).
 * These are the same edits the camera sliders make, so they land in the document and its undo stack.
 */
import { SCENE_CONTROL_GROUPS, type ControlSpec } from '../../core/sceneControls';
import type { Scene } from '../../core/sceneTypes';
import type { EditSink } from './numericControl';

/** Degrees of orbit per CSS pixel dragged. */
const DEGREES_PER_PIXEL = 0.4;
/** A wheel gesture ends (one undo step) when no wheel event came for this long. */
const WHEEL_SETTLE_MS = 250;

function spec(section: string, key: string): ControlSpec | undefined {
  for (const group of SCENE_CONTROL_GROUPS) {
    const found = group.controls.find((c) => c.path[0] === section && c.path[1] === key);
    if (found) return found;
  }
  return undefined;
}

function clamp(value: number, limits: ControlSpec | undefined, fallbackMin: number, fallbackMax: number): number {
  return Math.min(limits?.max ?? fallbackMax, Math.max(limits?.min ?? fallbackMin, value));
}

/** -180..180, wrapping around (orbiting past the back keeps going). */
function wrapDegrees(value: number): number {
  return ((((value + 180) % 360) + 360) % 360) - 180;
}

export function attachOrbit(canvas: HTMLCanvasElement, currentScene: () => Scene | null, sink: EditSink, reflect: (path: string, value: number) => void): void {
  const elevation = spec('camera', 'elevation');
  const distance = spec('camera', 'distance');
  let drag: { x: number; y: number; azimuth: number; elevation: number; id: number } | undefined;
  let wheelTimer: ReturnType<typeof setTimeout> | undefined;
  let wheelValue = 0;

  const orbit = (event: PointerEvent, final: boolean): void => {
    if (!drag) return;
    const azimuth = Math.round(wrapDegrees(drag.azimuth - (event.clientX - drag.x) * DEGREES_PER_PIXEL));
    const elev = Math.round(clamp(drag.elevation + (event.clientY - drag.y) * DEGREES_PER_PIXEL, elevation, -89, 89));
    sink(
      [
        { path: ['camera', 'azimuth'], value: azimuth },
        { path: ['camera', 'elevation'], value: elev },
      ],
      final,
    );
    reflect('camera.azimuth', azimuth);
    reflect('camera.elevation', elev);
  };

  canvas.addEventListener('pointerdown', (event) => {
    const scene = currentScene();
    if (!scene || event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, azimuth: scene.camera.azimuth, elevation: scene.camera.elevation, id: event.pointerId };
    canvas.setPointerCapture(event.pointerId);
    canvas.classList.add('orbiting');
  });
  canvas.addEventListener('pointermove', (event) => {
    if (drag?.id === event.pointerId) orbit(event, false);
  });
  const end = (event: PointerEvent): void => {
    if (drag?.id !== event.pointerId) return;
    if (event.clientX !== drag.x || event.clientY !== drag.y) orbit(event, true);
    drag = undefined;
    canvas.classList.remove('orbiting');
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  canvas.addEventListener(
    'wheel',
    (event) => {
      const scene = currentScene();
      if (!scene) return;
      event.preventDefault();
      if (wheelTimer === undefined) wheelValue = scene.camera.distance;
      else clearTimeout(wheelTimer);
      wheelValue = clamp(wheelValue * Math.exp(event.deltaY * 0.001), distance, 1.2, 10);
      const value = Number(wheelValue.toFixed(2));
      sink([{ path: ['camera', 'distance'], value }], false);
      reflect('camera.distance', value);
      wheelTimer = setTimeout(() => {
        wheelTimer = undefined;
        sink([{ path: ['camera', 'distance'], value }], true);
      }, WHEEL_SETTLE_MS);
    },
    { passive: false },
  );
}
