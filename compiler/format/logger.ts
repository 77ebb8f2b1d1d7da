// How the hub, the player and the station's commands say anything. Library code never writes
// to the console: each command line passes a logger that writes timestamped lines to stderr,
// tests pass one that remembers, so a test can assert that a refusal was logged with its
// reason. A contract shared by every part, hence here beside the other shared formats.

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
