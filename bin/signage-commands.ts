// Dispatches `signage <command>` to the module that owns it. Each command module parses its
// own arguments and returns an exit status; nothing here knows their options.

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  demo: { summary: 'the embedded demo: compile, hub, players, screens (npm start)', load: async () => (await import('./demo.ts')).demoCommand },
  hub: { summary: 'run the hub; hub publish | devices | report | alerts', load: async () => (await import('../hub/cli.ts')).hubCommand },
  keygen: { summary: 'make the station\'s Ed25519 key pair', load: async () => (await import('../compiler/cli.ts')).keygenCommand },
  cap: { summary: 'CAP 1.2 emergency alerts: cap ingest FILE|URL, cap cancel ID, cap watch --feed URL|DIR', load: async () => (await import('../hub/cap-commands.ts')).capCommand },
  compile: { summary: 'build one signed bundle per screen of a site', load: async () => (await import('../compiler/cli.ts')).compileCommand },
  verify: { summary: 'verify a compiled bundle against the station key', load: async () => (await import('../compiler/cli.ts')).verifyCommand },
  snapshot: { summary: 'render one instant of a screen to PNG in headless Chromium', load: async () => (await import('../player/snapshot/cli.ts')).snapshotCommand },
  player: { summary: 'run one player: sync with the hub, cache in SQLite, serve the screen', load: async () => (await import('../player/core/cli.ts')).playerCommand },
  preview: { summary: 'serve the editors\' live preview of every screen', load: async () => (await import('../player/preview/cli.ts')).previewCommand },
  approver: { summary: 'approver registry: approver add ID --name --role | list | remove', load: async () => (await import('../compiler/approval-cli.ts')).approverCommand },
  approve: { summary: 'sign a notice\'s approval: approve FILE --as ID --key FILE', load: async () => (await import('../compiler/approval-cli.ts')).approveCommand },
  withdraw: { summary: 'withdraw a notice from every screen (or --restore it)', load: async () => (await import('../compiler/approval-cli.ts')).withdrawCommand },
  source: { summary: 'provincial source feed: source pull --feed URL|FILE --notices DIR [--trust FILE]', load: async () => (await import('../compiler/source-cli.ts')).sourceCommand },
  schemas: { summary: 'write JSON Schemas of the notice and site formats', load: async () => (await import('../compiler/cli.ts')).schemasCommand },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  signage ${name.padEnd(9)} ${c.summary}`);
  return `usage: signage <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun "signage <command> --help" for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`signage: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  return (await command.load())(rest);
}
