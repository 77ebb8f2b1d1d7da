// Who is connected: every socket (for heartbeats and shutdown), and the welcomed ones by
// device (one live connection per device) and by screen (who gets an offer on publish).
// Generic over the session type so that it holds no protocol logic of its own.

export interface RegisteredSession {
  readonly deviceId: string | null;
  readonly screenId: string | null;
}

export class SessionRegistry<S extends RegisteredSession> {
  /** Every open socket, welcomed or not. */
  readonly all = new Set<S>();
  private readonly byDevice = new Map<string, S>();
  private readonly byScreen = new Map<string, Set<S>>();

  connected(session: S): void {
    this.all.add(session);
  }

  /** Registers a welcomed session; returns the session of the same device it replaces, if any. */
  welcomed(session: S & { deviceId: string; screenId: string }): S | undefined {
    const previous = this.byDevice.get(session.deviceId);
    if (previous) this.unlink(previous);
    this.byDevice.set(session.deviceId, session);
    let screen = this.byScreen.get(session.screenId);
    if (!screen) this.byScreen.set(session.screenId, (screen = new Set()));
    screen.add(session);
    return previous;
  }

  /** Forgets a closed session; true when it was its device's live connection. */
  closed(session: S): boolean {
    this.all.delete(session);
    if (session.deviceId === null || this.byDevice.get(session.deviceId) !== session) return false;
    this.unlink(session);
    return true;
  }

  device(deviceId: string): S | undefined {
    return this.byDevice.get(deviceId);
  }

  screen(screenId: string): Iterable<S> {
    return this.byScreen.get(screenId) ?? [];
  }

  welcomedSessions(): Iterable<S> {
    return this.byDevice.values();
  }

  private unlink(session: S): void {
    if (session.deviceId !== null) this.byDevice.delete(session.deviceId);
    if (session.screenId === null) return;
    const screen = this.byScreen.get(session.screenId);
    screen?.delete(session);
    if (screen?.size === 0) this.byScreen.delete(session.screenId);
  }
}
