import { closeOpenLogs } from './openLogs.js';
import { truceProgram } from './program.js';
import { type ExitCode, run } from './run.js';

/**
 * Runs `truce` on a command line (`process.argv`: node, the script, then the arguments) and
 * gives its exit code: the command's module is imported only when the line names it, and
 * whatever it opened is closed afterwards. `cli/main.ts` runs the commands that read or write a
 * log (`cached` in cli/commands.ts) through the copy of this module bundled on its own as
 * `dist/cli/core.cjs`, whose V8 code cache spares compiling it on every start
 * (scripts/build-cli.mjs; README, "Cold start").
 *
 * @example
 * process.exitCode = await main(process.argv);
 */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  const program = await truceProgram(argv.slice(2));
  const code = await run(program, argv);
  await closeOpenLogs();
  return code;
}
