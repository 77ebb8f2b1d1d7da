import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { join } from 'node:path';

// Watches a compiler output directory so that a compile is published without a second
// command. The compiler writes report.json last (after every blob and screen directory), so
// its change marks a finished compile. The file is polled by path rather than watched with
// inotify: polling survives the directory being deleted and recreated, works on network
// mounts, and one stat every half second costs nothing.

export interface CompilerOutputWatch {
  close(): void;
}

export function watchCompilerOutput(options: { dir: string; onChange: () => void; intervalMs?: number }): CompilerOutputWatch {
  const file = join(options.dir, 'report.json');
  const listener = (current: Stats, previous: Stats): void => {
    // mtime 0 means the file is gone (a compile in progress, or the directory removed).
    if (current.mtimeMs !== 0 && (current.mtimeMs !== previous.mtimeMs || current.ino !== previous.ino)) options.onChange();
  };
  watchFile(file, { interval: options.intervalMs ?? 500, persistent: false }, listener);
  return { close: () => unwatchFile(file, listener) };
}
