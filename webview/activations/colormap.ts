/**
 * Viridis (perceptually uniform, readable in greyscale and by most colour-blind readers) as a 256-entry lookup
 * table, interpolated from matplotlib's colormap sampled at 11 evenly spaced points.
 */
const VIRIDIS_STOPS = [
  '#440154', '#482475', '#414487', '#355f8d', '#2a788e', '#21918c', '#22a884', '#44bf70', '#7ad151', '#bddf26', '#fde725',
];

function buildLut(stops: readonly string[]): Uint8ClampedArray {
  const rgb = stops.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (rgb.length - 1);
    const k = Math.min(rgb.length - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(rgb[k][c] * (1 - f) + rgb[k + 1][c] * f);
  }
  return lut;
}

export const VIRIDIS = buildLut(VIRIDIS_STOPS);

/** CSS gradient of the same colormap, for the colour bar legend. */
export const VIRIDIS_CSS = `linear-gradient(to right, ${VIRIDIS_STOPS.join(', ')})`;

/** Fills `out` (RGBA) with the colormap of `map` scaled so `min` is the first colour and `max` the last. */
export function colorize(map: Float32Array, min: number, max: number, out: Uint8ClampedArray): void {
  const scale = max > min ? 255 / (max - min) : 0;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    const index = Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round((v - min) * scale))) : 0;
    out[i * 4] = VIRIDIS[index * 3];
    out[i * 4 + 1] = VIRIDIS[index * 3 + 1];
    out[i * 4 + 2] = VIRIDIS[index * 3 + 2];
    out[i * 4 + 3] = 255;
  }
}
