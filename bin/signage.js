#!/usr/bin/env node
// The `signage` command. The project is TypeScript with no build step between an edit and a
// run on the station: the command line is compiled on first use after a change and reused
// from a cache keyed by its sources (compiled-cli.js); when that is not possible it runs
// through tsx's loader.
import { loadCompiledCli } from './compiled-cli.js';

let commands = await loadCompiledCli();
if (commands === null) {
  const { register } = await import('tsx/esm/api');
  register();
  commands = await import('./signage-commands.ts');
}
process.exitCode = await commands.main(process.argv.slice(2));
