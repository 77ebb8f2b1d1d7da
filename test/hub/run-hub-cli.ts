// Runs `signage hub …` in a child process for the CLI tests, as bin/signage.js will once the
// command is wired there: the real argument parsing, exit codes and signal handling.
import { hubCommand } from '../../hub/cli.ts';

process.exitCode = await hubCommand(process.argv.slice(2));
