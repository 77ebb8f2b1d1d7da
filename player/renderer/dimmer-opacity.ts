// How dark the dimmer's black layer is for a brightness percentage (see dimmer.ts). Apart from
// the layer itself, which needs the DOM, so that Node tests can check it.

/** Opacity of the black layer for a brightness percentage (clamped to 0–100). */
export function dimmerOpacity(percent: number): number {
  const clamped = Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 100));
  return Math.round((1 - clamped / 100) * 1000) / 1000;
}
