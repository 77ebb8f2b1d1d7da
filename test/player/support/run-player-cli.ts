import { playerCommand } from '../../../player/core/cli.ts';

// `signage player` without the bin wiring: runs playerCommand with this process's arguments.
process.exitCode = await playerCommand(process.argv.slice(2));
