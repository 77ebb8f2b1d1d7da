#!/usr/bin/env node
// The `signage` command. The project is TypeScript run directly through tsx's loader, so
// there is no build step between an edit and a run on the station.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./signage-commands.ts');
process.exitCode = await main(process.argv.slice(2));
