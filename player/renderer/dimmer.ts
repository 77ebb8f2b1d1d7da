// Software dimming: the site's brightness schedule (dim at night, DOMAIN.md) applied to the
// picture itself, for panels whose brightness nothing else sets — an LED wall fed by HDMI
// through a sending card, an LCD without DDC/CI. When the player runs a brightness command
// (player/core/brightness-output.ts) the panel dims itself and the page must not dim again.
//
// A black layer over the canvas at opacity 1 − percent/100 scales every pixel by percent/100,
// which is what lowering an LED controller's brightness does. It lives outside the canvas, so
// render(atMs) keeps drawing the same pixels for the same instant and snapshots, goldens and
// the editor's preview show the content at full brightness; the compositor blends the layer.

import { dimmerOpacity } from './dimmer-opacity.ts';

export interface Dimmer {
  /** Applies a brightness percentage; repeated values cost nothing. */
  set(percent: number): void;
  readonly percent: number;
}

/** A black layer exactly over `canvas`, in its parent. */
export function createDimmer(canvas: HTMLCanvasElement): Dimmer {
  const layer = document.createElement('div');
  layer.dataset.role = 'dimmer';
  layer.style.cssText = `position:absolute;left:${canvas.offsetLeft}px;top:${canvas.offsetTop}px;width:${canvas.style.width};height:${canvas.style.height};background:#000;opacity:0;pointer-events:none`;
  canvas.insertAdjacentElement('afterend', layer);
  let current = 100;
  return {
    set(percent: number) {
      if (percent === current) return;
      current = percent;
      layer.style.opacity = String(dimmerOpacity(percent));
    },
    get percent() {
      return current;
    },
  };
}
