import type { SignageRenderer } from './renderer.ts';

// The live loop is the only place where wall-clock time enters the renderer, and it enters as
// an injected function: render(clock()) once per display frame.

export function startLiveLoop(renderer: SignageRenderer, clock: () => number): () => void {
  let handle = 0;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    // Not awaited: if a page is still loading, the screen keeps its last frame and the next
    // tick asks again with a newer instant.
    void renderer.render(clock());
    handle = requestAnimationFrame(tick);
  };
  handle = requestAnimationFrame(tick);
  return () => {
    stopped = true;
    cancelAnimationFrame(handle);
  };
}
