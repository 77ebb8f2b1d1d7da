// The player's only way to say anything. Library code never writes to the console: the CLI
// passes a logger that writes timestamped lines to stderr, tests pass one that remembers.

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
