// Which parts of the screen a frame redraws when only clocks and tickers changed: the changed
// areas clipped to the screen, with areas that touch or overlap merged into their bounding
// box (each area is one pass over the scene, and a pixel must not be cleared and drawn twice
// in a frame for nothing). Pure arithmetic, tested in Node.

/** A rectangle of whole screen pixels. */
export interface PixelRect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/**
 * Above this share of the screen, drawing the frame whole is cheaper than several scissored
 * passes, and no slower for the GPU.
 */
export const WHOLE_FRAME_SHARE = 0.5;

function clip(rect: PixelRect, screen: { width: number; height: number }): PixelRect | undefined {
  const x = Math.max(0, Math.floor(rect.x));
  const y = Math.max(0, Math.floor(rect.y));
  const right = Math.min(screen.width, Math.ceil(rect.x + rect.w));
  const bottom = Math.min(screen.height, Math.ceil(rect.y + rect.h));
  return right > x && bottom > y ? { x, y, w: right - x, h: bottom - y } : undefined;
}

function touch(a: PixelRect, b: PixelRect): boolean {
  return a.x <= b.x + b.w && b.x <= a.x + a.w && a.y <= b.y + b.h && b.y <= a.y + a.h;
}

function union(a: PixelRect, b: PixelRect): PixelRect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

/**
 * The areas to redraw, disjoint and inside the screen, or 'whole' when they cover more than
 * WHOLE_FRAME_SHARE of it. An empty list means nothing on screen changed.
 */
export function redrawAreas(changed: readonly PixelRect[], screen: { width: number; height: number }): PixelRect[] | 'whole' {
  let areas = changed.map((rect) => clip(rect, screen)).filter((rect): rect is PixelRect => rect !== undefined);
  // Merging can make a box touch one it did not before: repeat until nothing merges.
  for (let merged = true; merged; ) {
    merged = false;
    const next: PixelRect[] = [];
    for (const area of areas) {
      const index = next.findIndex((other) => touch(other, area));
      if (index === -1) {
        next.push(area);
      } else {
        next[index] = union(next[index]!, area);
        merged = true;
      }
    }
    areas = next;
  }
  const covered = areas.reduce((sum, a) => sum + a.w * a.h, 0);
  return covered > WHOLE_FRAME_SHARE * screen.width * screen.height ? 'whole' : areas;
}
