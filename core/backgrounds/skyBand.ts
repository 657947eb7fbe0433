/** The sky band above a horizon, shared by the grass and water backgrounds: a vertical gradient with clouds. */
import { mix, smoothstep } from '../textures/raster';

type Rgb = [number, number, number];

/**
 * Colour of the sky at height `t` (0 = top, 1 = horizon), gradient `top` -> `horizon`, covered by `cloudColour`
 * where the cloud noise value `cloud` is above the `cover` band.
 */
export function skyBand(t: number, cloud: number, top: Rgb, horizon: Rgb, cover: [number, number], cloudColour: Rgb): Rgb {
  const c = smoothstep(cover[0], cover[1], cloud);
  const r = mix(top[0], horizon[0], t);
  const g = mix(top[1], horizon[1], t);
  const b = mix(top[2], horizon[2], t);
  return [mix(r, cloudColour[0], c), mix(g, cloudColour[1], c), mix(b, cloudColour[2], c)];
}
