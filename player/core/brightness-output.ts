import { execFile } from 'node:child_process';
import type { Logger } from '../../compiler/format/logger.ts';

// Where the schedule's brightness goes besides the picture. An LED wall's brightness lives in
// its controller (a NovaStar sending card, a Huidu box), an LCD's in its backlight (DDC/CI);
// each site reaches them with its own tool, so the station configures a command and the
// player runs it with the percentage whenever the schedule's step changes:
//   --brightness-command "ddcutil setvcp 10 {percent}"
// The command is split on spaces and run without a shell, so a percentage can never become
// shell syntax. Without a command the renderer page dims the picture itself
// (player/renderer/dimmer.ts), which is what an HDMI-fed LED wall shows either way.

export class BrightnessCommandError extends Error {
  override readonly name = 'BrightnessCommandError';
}

/** Parses the configured template; throws naming the flag and the fix when it cannot work. */
export function parseBrightnessCommand(template: string): { file: string; args: string[] } {
  const words = template.trim().split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) throw new BrightnessCommandError('--brightness-command is empty: give a program and its arguments, e.g. "ddcutil setvcp 10 {percent}"');
  if (!words.some((word) => word.includes('{percent}'))) {
    throw new BrightnessCommandError(`--brightness-command "${template}" has no {percent}: put {percent} where the program expects the brightness (0–100)`);
  }
  return { file: words[0]!, args: words.slice(1) };
}

export interface BrightnessOutputOptions {
  readonly template: string;
  readonly logger: Logger;
  /** A failure is shown in the player's status (lastError) until a later run succeeds. */
  readonly onResult: (error: string | null) => void;
  /** Longest a controller tool may take before it is killed. */
  readonly timeoutMs?: number;
}

/**
 * Runs the command for each new percentage, one run at a time. Steps that arrive while a run
 * is under way collapse into the latest: a controller only needs to end up at the current
 * value, not replay every step it missed.
 */
export class BrightnessOutput {
  private readonly command: { file: string; args: string[] };
  private running = false;
  private wanted: number | null = null;
  private applied: number | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: BrightnessOutputOptions) {
    this.command = parseBrightnessCommand(options.template);
  }

  /** The percentage last applied successfully, if any. */
  get current(): number | null {
    return this.applied;
  }

  apply(percent: number): void {
    const clamped = Math.max(0, Math.min(100, Math.round(percent)));
    if (clamped === this.applied && !this.running) return;
    this.wanted = clamped;
    if (!this.running) this.runNext();
  }

  /** Resolves once nothing is running or waiting (shutdown, tests). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private runNext(): void {
    const percent = this.wanted;
    if (percent === null || percent === this.applied) {
      this.running = false;
      this.wanted = null;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    this.running = true;
    this.wanted = null;
    const args = this.command.args.map((arg) => arg.replaceAll('{percent}', String(percent)));
    execFile(this.command.file, args, { timeout: this.options.timeoutMs ?? 15_000, windowsHide: true }, (error, _stdout, stderr) => {
      if (error) {
        const detail = String(stderr).trim().slice(0, 300) || error.message;
        const message = `brightness command "${this.options.template}" failed for ${percent}%: ${detail}`;
        this.options.logger.warn('could not set the panel brightness', { percent, error: detail });
        this.options.onResult(message);
      } else {
        this.applied = percent;
        this.options.logger.info('panel brightness set', { percent });
        this.options.onResult(null);
      }
      this.runNext();
    });
  }
}
