import type { Command } from 'commander';

/**
 * One `truce` command as `truce --help` lists it, and where its code is. The listing is all
 * `truce --help`, `truce --version` and an unknown command need, so the command's own module
 * (the statechart, zod, the inspector's WebSocket bridge, PostgreSQL…) is imported only when
 * that command runs: `truce --version` loads commander and this table, nothing else.
 */
export interface CommandEntry {
  /** The command's name, `truce NAME`. */
  name: string;
  /** How `truce --help` lists it: `append [options] [log]` (commander's term for the command). */
  term: string;
  /** The one-line description (the full command's `description()`). */
  description: string;
  /** Imports the module that registers the command (options, help, action). */
  load: () => Promise<(program: Command) => void>;
  /**
   * Whether `truce` runs it from the code-cached bundle `dist/cli/core.cjs` (cli/core.ts), and
   * with which of its code caches: the commands that read or write a log, whose start is mostly
   * compiling the catalogue, the statechart and the store. Those that read (`reads`) take the
   * functions of reading, replaying and querying the checkpoint cache; those that write
   * (`writes`) those of appending, so neither deserializes the other's at every start.
   */
  cached?: CodeCache;
}

/** Which code cache of the core a command runs with (see {@link CommandEntry.cached}). */
export type CodeCache = 'reads' | 'writes';

const replay = async () => (await import('./replay.js')).registerReplay;

/**
 * Every command, in the order `truce --help` lists them. A test registers each for real and
 * checks its usage and description against this table.
 */
export const commands: readonly CommandEntry[] = [
  {
    name: 'append',
    term: 'append [options] [log]',
    description: 'append one event, or a batch with --from, checked against the deal first',
    load: async () => (await import('./append.js')).registerAppend,
    cached: 'writes',
  },
  {
    name: 'db',
    term: 'db',
    description: 'set up the PostgreSQL database that --store names',
    load: async () => (await import('./db.js')).registerDb,
  },
  {
    name: 'export',
    term: 'export [options]',
    description: 'write a PostgreSQL stream to stdout as a JSONL log, byte for byte',
    load: async () => (await import('./export.js')).registerExport,
  },
  {
    name: 'generate',
    term: 'generate [options]',
    description: 'write a legal, varied log of generated events to stdout (the same for a seed)',
    load: async () => (await import('./generate.js')).registerGenerate,
  },
  {
    name: 'import',
    term: 'import [options] <file>',
    description: 'copy a log file into a PostgreSQL stream, checked, byte for byte',
    load: async () => (await import('./import.js')).registerImport,
  },
  {
    name: 'init',
    term: 'init [options] [log]',
    description: 'start a new log with its negotiation.opened event',
    load: async () => (await import('./init.js')).registerInit,
    cached: 'writes',
  },
  {
    name: 'inspect',
    term: 'inspect [options] [log]',
    description: 'open a local web inspector: the statechart and a step-through of the log, live',
    load: async () => (await import('./inspect.js')).registerInspect,
  },
  {
    name: 'replay',
    term: 'replay [options] [log]',
    description: 'replay a log through the statechart and print where the deal stands',
    load: replay,
    cached: 'reads',
  },
  {
    name: 'status',
    term: 'status [options] [log]',
    description: 'print one line: state, phase and the headline counts',
    load: replay,
    cached: 'reads',
  },
  {
    name: 'timeline',
    term: 'timeline [options] [log]',
    description: 'print one plain-language line per event, checking each against the statechart',
    load: replay,
    cached: 'reads',
  },
  {
    name: 'schema',
    term: 'schema',
    description: 'print the JSON Schema (draft 2020-12) of one log line',
    load: async () => (await import('./schema.js')).registerSchema,
  },
  {
    name: 'validate',
    term: 'validate [options] [log]',
    description:
      'check a log: every line a valid event, seq and ids in order, and every event legal in the statechart',
    load: async () => (await import('./validate.js')).registerValidate,
    cached: 'reads',
  },
];

/**
 * The command a command line runs: its first word that is not an option (`truce` has only
 * flag options of its own), or for `truce help NAME` the command named. Undefined when there
 * is none (`truce --help`, `truce --version`) or it is not a truce command.
 *
 * @example
 * invokedCommand(['--debug', 'status', 'deal.jsonl']); // the status entry
 */
export function invokedCommand(args: readonly string[]): CommandEntry | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return commands.find((entry) => entry.name === name);
}

/**
 * Registers what a command line needs: the invoked command for real (its module imported),
 * or, when none is invoked, every command as a line of the listing only.
 *
 * @example
 * await registerCommands(program, process.argv.slice(2));
 */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const invoked = invokedCommand(args);
  if (invoked !== undefined) {
    (await invoked.load())(program);
    return;
  }
  const terms = new Map<Command, string>();
  for (const entry of commands) {
    const listed = program.command(entry.name).description(entry.description);
    terms.set(listed, entry.term);
  }
  const help = program.createHelp();
  program.configureHelp({
    subcommandTerm: (command) => terms.get(command) ?? help.subcommandTerm(command),
  });
}
