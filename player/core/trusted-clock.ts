// The time the player plays by. Rural boxes lose power often, and many have no RTC battery
// (a Raspberry Pi has no RTC at all): after a power cut with no network the system clock can
// come back in 1970 or at the factory date. Evaluated at such an instant every notice is "not
// yet valid" and the screen goes blank exactly when the link is down too. So:
//   - the player remembers the latest time it has played by (the floor, in SQLite, written
//     every minute); a system clock found more than BEHIND_TOLERANCE_MS behind it at start has
//     been reset, and the player carries on from the floor, advancing at the system clock's
//     rate, until the hub tells it the time;
//   - the hub's challenge carries its time; a system clock more than HUB_TOLERANCE_MS off it is
//     wrong, and the player plays by the hub's time (the hub runs on the station, whose clock
//     the operators watch; what plays is still only what the station signed, so a wrong hub
//     clock can shift when signed content plays, never what).
// The status keeps reporting the system clock's own offset, so district staff see the fault.
// Pure: the system clock is injected and the caller stores the floor.

/** A system clock this far behind the floor is taken as reset (a few minutes absorb NTP steps). */
export const BEHIND_TOLERANCE_MS = 5 * 60_000;
/** A system clock this far off the hub's is corrected by it. */
export const HUB_TOLERANCE_MS = 2 * 60_000;

export type ClockSource =
  /** The system clock, as it is. */
  | { readonly kind: 'system' }
  /** The system clock was found behind the last time played by: continuing from there. */
  | { readonly kind: 'floor'; readonly behindMs: number }
  /** The hub's time: the system clock is `offsetMs` off it (positive: ahead). */
  | { readonly kind: 'hub'; readonly offsetMs: number };

export class TrustedClock {
  private correctionMs = 0;
  private current: ClockSource = { kind: 'system' };

  constructor(
    private readonly system: () => number,
    /** The floor stored by an earlier run, if any. */
    floorMs: number | undefined,
  ) {
    const nowMs = system();
    if (floorMs !== undefined && Number.isFinite(floorMs) && nowMs < floorMs - BEHIND_TOLERANCE_MS) {
      this.correctionMs = floorMs - nowMs;
      this.current = { kind: 'floor', behindMs: floorMs - nowMs };
    }
  }

  /** The time to play by. A bound function, to be passed where a clock is expected. */
  readonly now = (): number => this.system() + this.correctionMs;

  /** How far the time played by is from the system clock (the renderer page adds it to its own). */
  get correction(): number {
    return this.correctionMs;
  }

  get source(): ClockSource {
    return this.current;
  }

  /**
   * The hub's view of the system clock: `offsetMs` = system clock − hub time, measured at the
   * challenge. Returns true when the time played by changed.
   */
  hubOffset(offsetMs: number): boolean {
    const before = this.correctionMs;
    if (Math.abs(offsetMs) > HUB_TOLERANCE_MS) {
      this.correctionMs = -offsetMs;
      this.current = { kind: 'hub', offsetMs };
    } else if (this.current.kind !== 'system') {
      // The system clock is right (again, or NTP fixed it meanwhile): no correction needed.
      this.correctionMs = 0;
      this.current = { kind: 'system' };
    }
    return this.correctionMs !== before;
  }

  /** For the status: what is wrong with the system clock, or null. */
  problem(): string | null {
    const source = this.current;
    if (source.kind === 'floor') {
      return `CLOCK_BEHIND: the system clock is ${describeSpan(source.behindMs)} behind the last time this player played by (a reset after a power cut?); playing on from that time until the hub gives the time; fix the clock (RTC battery, NTP)`;
    }
    if (source.kind === 'hub') {
      return `CLOCK_WRONG: the system clock is ${describeSpan(Math.abs(source.offsetMs))} ${source.offsetMs > 0 ? 'ahead of' : 'behind'} the hub's; playing by the hub's time; fix the clock (RTC battery, NTP)`;
    }
    return null;
  }
}

function describeSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}
