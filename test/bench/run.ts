// `npm run bench -- NAME [options]`: runs one benchmark. Each prints one JSON object per line;
// the last line is the summary with the figures its issue names.

const BENCHES: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  compile: () => import('./compile-bench.ts'),
  render: () => import('./render-bench.ts'),
  sync: () => import('./sync-bench.ts'),
  alert: () => import('./alert-bench.ts'),
  reconnect: () => import('./reconnect-bench.ts'),
  'render-soak': () => import('./render-soak-bench.ts'),
  'activation-event': () => import('./activation-event-bench.ts'),
  faults: () => import('./faults-bench.ts'),
};

const [name, ...args] = process.argv.slice(2);
const load = name ? BENCHES[name] : undefined;
if (!load) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [options]\n`);
  process.exit(2);
}
await (await load()).run(args);
