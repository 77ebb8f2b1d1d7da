import type { FrameInfo } from './page-api.ts';

// The live loop is the only place where wall-clock time enters the renderer, and it enters as
// an injected function: render(clock()) once per display frame.

export function startLiveLoop(render: (atMs: number) => Promise<FrameInfo>, clock: () => number, options: { maxFps?: number } = {}): () => void {
  let handle = 0;
  let stopped = false;
  let last = -Infinity;
  // A preview page runs four screens in one browser on a CPU: it asks for fewer frames. A
  // panel never sets this.
  const minGapMs = options.maxFps ? 1000 / options.maxFps : 0;
  const tick = () => {
    if (stopped) return;
    const now = clock();
    if (now - last >= minGapMs) {
      last = now;
      // Not awaited: if a page is still loading, the screen keeps its last frame and the next
      // tick asks again with a newer instant.
      void render(now);
    }
    handle = requestAnimationFrame(tick);
  };
  handle = requestAnimationFrame(tick);
  return () => {
    stopped = true;
    cancelAnimationFrame(handle);
  };
}
