import { Command } from 'commander';
import { registerCommands } from './commands.js';
import { packageVersion } from './version.js';

/**
 * The `truce` program for a command line: its own options, and the commands that line needs
 * (`registerCommands`: only the invoked one is imported, or the listing when none is).
 *
 * @example
 * const program = await truceProgram(process.argv.slice(2));
 * process.exitCode = await run(program, process.argv);
 */
export async function truceProgram(args: readonly string[]): Promise<Command> {
  const program = rootProgram();
  await registerCommands(program, args);
  return program;
}

/** `truce` with its own options (version, help, --debug) and no command yet. */
export function rootProgram(): Command {
  return new Command('truce')
    .description('An event-sourced state machine for phased ceasefire and exchange negotiations')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print help')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run truce --help for usage)')
    .exitOverride();
}
