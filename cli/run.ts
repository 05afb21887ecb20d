import { type Command, CommanderError } from 'commander';
// events/errors.js, not the events/ barrel: the runner must not load the catalogue (zod).
import { TruceError, type TruceErrorCode } from '../events/errors.js';
import { escapeLines, escapeText } from './escape.js';
import { guardOutput, type OutputGuard, outputFailure } from './output.js';

/** The process exit codes of `truce` (DESIGN §7). */
export const ExitCode = {
  ok: 0,
  invalid: 1,
  usage: 2,
  concurrency: 3,
  io: 4,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where {@link run} writes errors; the process's stderr by default. */
export interface RunOptions {
  writeErr?: (text: string) => void;
  /** Watches the command's output; one on the process's stdout by default. */
  output?: OutputGuard;
}

/**
 * Parses `argv` and runs the chosen command, turning any error into one line on stderr and
 * the exit code it stands for. Stack traces only with `--debug`. Never throws.
 *
 * @example
 * process.exitCode = await run(program, process.argv);
 */
export async function run(
  program: Command,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<ExitCode> {
  const writeErr = options.writeErr ?? ((text: string) => process.stderr.write(text));
  const output = options.output ?? guardOutput();
  program.exitOverride();
  const code = await runCommand(program, argv, writeErr);
  // Even a failed command's output is settled, so a write error never escapes as a stack.
  const { failed, committed } = await output.settle();
  if (failed === undefined) return code;
  if (committed !== undefined) {
    // The change is durable: exit 0, so that nobody retries what is already written.
    writeErr(
      `warning: ${committed}, but printing the result failed (${outputFailure(failed)}); it is written: do not append it again\n`,
    );
    return code;
  }
  writeErr(`error: ${outputFailure(failed)}\n`);
  return code === ExitCode.ok ? ExitCode.io : code;
}

async function runCommand(
  program: Command,
  argv: readonly string[],
  writeErr: (text: string) => void,
): Promise<ExitCode> {
  try {
    await program.parseAsync([...argv]);
    return ExitCode.ok;
  } catch (error) {
    const code = exitCodeOf(error);
    // Commander has already printed its own usage message (or the help, or the version).
    if (error instanceof CommanderError) return code;
    const debug = program.opts().debug === true || argv.includes('--debug');
    writeErr(`${debug ? debugReport(error) : `error: ${escapeText(messageOf(error))}`}\n`);
    return code;
  }
}

/** The exit code an error stands for: its `TruceError.code`, 2 for usage, 1 for the unknown. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (error instanceof TruceError) return exitCodeOfTruceCode(error.code);
  return ExitCode.invalid;
}

function exitCodeOfTruceCode(code: TruceErrorCode): ExitCode {
  switch (code) {
    case 'INVALID_LOG':
    case 'REJECTED_EVENT':
      return ExitCode.invalid;
    case 'USAGE':
      return ExitCode.usage;
    case 'CONCURRENCY_CONFLICT':
      return ExitCode.concurrency;
    case 'STORE_IO':
      return ExitCode.io;
    default: {
      const unhandled: never = code;
      return unhandled;
    }
  }
}

/**
 * An error's message as one sentence, never a stack: a truce error's whole (its line feeds come
 * from a log's text, and the caller escapes them), any other's first line.
 */
function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // Truce's own errors are one sentence, which may quote a log's text (a line feed in an id):
  // kept whole, their line feeds escaped, not cut at the first.
  if (error instanceof TruceError && text !== '') return text;
  const first = text.split('\n', 1)[0] ?? '';
  return first || (error instanceof Error ? error.name : 'unknown error');
}

function debugReport(error: unknown): string {
  if (!(error instanceof Error)) return `error: ${escapeText(String(error))}`;
  let out = traceOf(error);
  let cause = error.cause;
  while (cause !== undefined) {
    out += `\ncaused by: ${cause instanceof Error ? traceOf(cause) : escapeText(String(cause))}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return out;
}

/**
 * An error's stack as lines safe to print: its message (which may quote a log's text, line
 * feeds included) escaped as one line, then the stack's frames.
 */
function traceOf(error: Error): string {
  const head = `${error.name}: ${error.message}`;
  const stack = error.stack ?? head;
  // V8's stack starts with the head; a stack made otherwise is escaped line by line.
  if (!stack.startsWith(head)) return escapeLines(stack);
  return `${escapeText(head)}${escapeLines(stack.slice(head.length))}`;
}
