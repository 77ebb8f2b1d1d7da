import type { z } from 'zod';
import { emergencyView, takeoverPlay, type ContentNotices, type EmergencyView, type HeldStatement, type TakeoverPlay } from '../../compiler/cap/emergency-view.ts';
import type { emergencyAckMessage } from '../../compiler/format/wire-messages.ts';
import type { EmergencyStore } from './emergency-store.ts';
import type { Logger } from '../../compiler/format/logger.ts';
import { realWakeAfter, type WakeAfter } from './playback.ts';

// The player's emergency state: statements from the hub are verified and committed by
// EmergencyStore, then the pure emergencyView() decides, with the player's clock, what is on
// screen; this class only wires that decision to the outside:
//   - onChange(on screen) in the same tick as the commit, so the renderer is told before its
//     next frame (the runtime forwards it to the local server's event stream and playback);
//   - an acknowledgement to the hub whenever a statement's state changes (displayed, applied,
//     ended…), and all of them again after every welcome, so none is lost with a connection;
//   - a wake-up at the view's next change: `expires` ends a warning with no network at all.

export type EmergencyAck = z.infer<typeof emergencyAckMessage>;

export interface EmergencyOnScreen {
  /** Takeover pages to play instead of content, or undefined. */
  readonly takeover?: TakeoverPlay | undefined;
  /** Banner over content, or undefined. */
  readonly banner?: HeldStatement | undefined;
  /** Changes whenever what is shown changes: "none", or the ids shown. */
  readonly revision: string;
}

export interface EmergencyControllerOptions {
  readonly store: EmergencyStore;
  readonly clock: () => number;
  readonly logger: Logger;
  readonly wakeAfter?: WakeAfter;
  /** Sends an acknowledgement if connected; false when it could not be sent now. */
  readonly sendAck: (ack: EmergencyAck) => boolean;
  readonly onChange: (onScreen: EmergencyOnScreen) => void;
  /** The active content bundle's emergency notices (emergency-view.ts); call refresh() when it changes. */
  readonly content?: () => ContentNotices | undefined;
  /** Sleep at most this long, so that a clock that jumps is noticed. */
  readonly maxSleepMs?: number;
}

function revisionOf(view: EmergencyView): string {
  const ids = [...view.takeovers.map((entry) => entry.id), ...(view.banner ? [`banner:${view.banner.id}`] : [])];
  return ids.length === 0 ? 'none' : ids.join('+');
}

export class EmergencyController {
  private current: EmergencyOnScreen = { revision: 'none' };
  private cancelWake: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: EmergencyControllerOptions) {}

  get onScreen(): EmergencyOnScreen {
    return this.current;
  }

  /** Decides from what is stored (at start, on a wake-up, after a statement arrived). */
  refresh(): EmergencyOnScreen {
    if (this.stopped) return this.current;
    const { store, clock } = this.options;
    const nowMs = clock();
    const view = emergencyView(store.all(), nowMs, this.options.content?.());
    const revision = revisionOf(view);
    const changed = revision !== this.current.revision;
    if (changed) {
      this.current = { takeover: takeoverPlay(view.takeovers), banner: view.banner, revision };
      this.options.onChange(this.current);
    }
    for (const [id, state] of view.states) {
      if (store.ack(id)?.state === state) continue;
      const ack = { state, atMs: nowMs };
      store.recordAck(id, ack);
      this.options.sendAck({ type: 'emergency-ack', statementId: id, state, atMs: nowMs });
    }
    this.sleepUntil(view.nextChangeMs, nowMs);
    return this.current;
  }

  /** A statement from the hub: verified, committed, then on screen before this returns. */
  receive(message: { statement: string; signature: string }): void {
    const { store, clock, logger } = this.options;
    const outcome = store.accept({ bytes: Buffer.from(message.statement, 'base64'), signature: Buffer.from(message.signature, 'base64'), nowMs: clock() });
    if (outcome.outcome === 'refused') {
      logger.warn('refused an emergency statement', { statementId: outcome.id, code: outcome.code, reason: outcome.reason });
      this.options.sendAck({ type: 'emergency-ack', statementId: outcome.id, state: 'refused', atMs: clock(), reason: outcome.reason.slice(0, 1000) });
      return;
    }
    // A duplicate (every statement is sent again after a reconnect) changes nothing; its
    // acknowledgement went out again with resendAcks() at the welcome.
    if (outcome.outcome === 'duplicate') return;
    logger.info('accepted an emergency statement', { statementId: outcome.id, alertKey: outcome.alertKey });
    this.refresh();
  }

  /** After a welcome: every statement's state again (the hub keeps the first time it heard each). */
  resendAcks(): void {
    for (const entry of this.options.store.all()) {
      const ack = this.options.store.ack(entry.id);
      if (ack) this.options.sendAck({ type: 'emergency-ack', statementId: entry.id, state: ack.state as EmergencyAck['state'], atMs: ack.atMs });
    }
  }

  stop(): void {
    this.stopped = true;
    this.cancelWake?.();
  }

  private sleepUntil(wakeMs: number | undefined, nowMs: number): void {
    this.cancelWake?.();
    const maxSleepMs = this.options.maxSleepMs ?? 60_000;
    const delay = wakeMs === undefined ? maxSleepMs : Math.min(maxSleepMs, Math.max(0, wakeMs - nowMs));
    this.cancelWake = (this.options.wakeAfter ?? realWakeAfter)(delay, () => this.refresh());
  }
}
