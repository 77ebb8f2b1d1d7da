import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Logger } from '../../compiler/format/logger.ts';

// The plain-Chromium shell for machines without Electron: Debian's Chromium in app mode at the
// capture rectangle, restarted when it exits (a crash, an update, someone closing it), with
// the same back-off and hourly cap as the Electron shell.

const require = createRequire(import.meta.url);
const policy = require('./window-policy.cjs') as {
  chromiumKioskArgs(options: { url: string; x: number; y: number; width: number; height: number; userDataDir: string; fullScreen: boolean }): string[];
  nextReloadDelayMs(crashes: number[], nowMs: number): number | undefined;
};

export interface KioskOptions {
  readonly url: string;
  readonly rect: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  readonly fullScreen: boolean;
  readonly userDataDir: string;
  readonly chromiumPath: string;
  readonly logger: Logger;
  readonly clock?: () => number;
}

export interface RunningKiosk {
  stop(): Promise<void>;
}

export function launchChromiumKiosk(options: KioskOptions): RunningKiosk {
  const clock = options.clock ?? Date.now;
  const args = policy.chromiumKioskArgs({ url: options.url, ...options.rect, userDataDir: options.userDataDir, fullScreen: options.fullScreen });
  const exits: number[] = [];
  let child: ChildProcess | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const start = () => {
    child = spawn(options.chromiumPath, args, { stdio: 'ignore' });
    options.logger.info('kiosk window started', { pid: child.pid, rect: options.rect });
    child.on('exit', (code, signal) => {
      if (stopped) return;
      const now = clock();
      const delay = policy.nextReloadDelayMs(exits, now);
      exits.push(now);
      if (delay === undefined) {
        options.logger.error('kiosk window keeps exiting; giving up for this hour', { code, signal });
        timer = setTimeout(start, 3_600_000);
        return;
      }
      options.logger.warn('kiosk window exited; restarting', { code, signal, delayMs: delay });
      timer = setTimeout(start, delay);
    });
  };
  start();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
