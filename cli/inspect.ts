import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { StoreError } from '../events/index.js';
// server.js and stately.js, not the inspector/ barrel: Stately's bridge (ws, partysocket…)
// loads only with --stately.
import { DEFAULT_INSPECTOR_PORT, startInspector } from '../inspector/server.js';
import type { StatelyBridge } from '../inspector/stately.js';
import { type Progress, startProgress } from './progress.js';
import { LOG_ARGUMENT, openLog, type StoreSelection, storeOption, streamOption } from './source.js';

/** Options of `truce inspect`. */
export interface InspectCommandOptions extends StoreSelection {
  port: number;
  host: string;
  open?: boolean;
  stately?: boolean;
  statelyUrl?: string;
  statelyPort?: number;
}

/**
 * Adds `truce inspect LOG`: serves the local inspector (statechart, step-through, live
 * updates) for one log on 127.0.0.1 and prints its URL; runs until interrupted.
 *
 * @example
 * registerInspect(program); // truce inspect deal.jsonl --open
 */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('open a local web inspector: the statechart and a step-through of the log, live')
    .argument('[log]', LOG_ARGUMENT)
    .addOption(storeOption())
    .addOption(streamOption())
    .option(
      '-p, --port <port>',
      'port to listen on (0: any free port)',
      parsePort,
      DEFAULT_INSPECTOR_PORT,
    )
    .option('--host <host>', 'interface to bind (only loopback unless you say so)', '127.0.0.1')
    .option('--open', 'open the page in the default browser')
    .option('--stately', "also send the replay to Stately's inspector (needs internet)")
    .option('--stately-url <url>', 'WebSocket to send the Stately inspection events to')
    .option('--stately-port <port>', 'port of the local Stately bridge (8080)', parsePort)
    .action(async (log: string | undefined, options: InspectCommandOptions) => {
      await inspectCommand(log, options);
    });
}

/** Runs `truce inspect` until SIGINT or SIGTERM. */
export async function inspectCommand(
  given: string | undefined,
  options: InspectCommandOptions,
): Promise<void> {
  const opened = openLog(given, options);
  const log = opened.name;
  const source = await opened.liveSource();
  let size: number | undefined;
  if (source === undefined) {
    try {
      const info = await stat(log);
      if (!info.isFile()) throw new Error('not a file');
      size = info.size;
    } catch (error) {
      throw new StoreError(`${log}: cannot read the log: no such file`, { cause: error });
    }
  }
  let bridge: StatelyBridge | undefined;
  if (options.stately || options.statelyUrl !== undefined) {
    const { startStatelyBridge } = await import('../inspector/stately.js');
    bridge = await startStatelyBridge({
      ...(options.statelyUrl === undefined ? {} : { url: options.statelyUrl }),
      ...(options.statelyPort === undefined ? {} : { port: options.statelyPort }),
    });
  }
  let inspector: Awaited<ReturnType<typeof startInspector>>;
  // A long log takes a while to open: a progress line on a terminal until the address is known
  // (the reads that follow the log as it grows draw none).
  let opening: Progress | undefined = startProgress({ what: `opening ${log}`, totalBytes: size });
  try {
    inspector = await startInspector({
      file: log,
      ...(source ? { source } : {}),
      port: options.port,
      host: options.host,
      ...(bridge ? { inspect: bridge.inspect } : {}),
      onRead: (lines, bytes) => opening?.update(lines, bytes),
    });
  } catch (error) {
    await bridge?.close();
    throw error;
  } finally {
    opening.done();
    opening = undefined;
  }
  // Listening for the stop before the address is printed: a supervisor that stops the
  // inspector as soon as it reads the address still has it close its server and watchers.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stdout.write(`truce inspector for ${log}: ${inspector.url}\n`);
  if (bridge) process.stdout.write(`Stately inspector bridge: ${bridge.url}\n`);
  process.stdout.write('Press Ctrl-C to stop.\n');
  // The page asks first for the last step's report: replayed now, it is ready when the page
  // comes. A long log without its checkpoint cache builds the cache here (seconds for a million
  // events), which every later query reads.
  let warming = true;
  void inspector.session
    .stepReport(inspector.session.count)
    .catch(() => undefined)
    .finally(() => {
      warming = false;
    });
  if (options.open) {
    openInBrowser(inspector.url);
    if (bridge && options.statelyUrl === undefined) openInBrowser(bridge.url);
  }
  await stopped;
  await bridge?.close();
  await inspector.close();
  // Stopped while that report is still replayed: not waited for (11 s after a stop just after
  // the address, on a million-event log without its cache). The cache stands as a kill leaves it:
  // files not yet in its index are unused and swept, and the index is replaced whole.
  if (warming) process.exit(process.exitCode ?? 0);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^[0-9]{1,5}$/.test(value) || port > 65535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535');
  }
  return port;
}

/** Best effort: a missing opener is reported, never fatal. */
function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`could not open a browser; open ${url} yourself\n`));
  child.unref();
}
