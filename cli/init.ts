import type { Command } from 'commander';
import { ConcurrencyError, TruceError } from '../events/index.js';
import type { NewEvent } from '../store/index.js';
import { eventId, isoNow, type SourceOptions, sourceOf } from './append.js';
import { parseEventTime } from './dates.js';
import { noteCommitted } from './output.js';
import { openLog, type StoreSelection, storeOption, streamOption } from './source.js';

/** Options of `truce init`. */
export interface InitOptions extends SourceOptions, StoreSelection {
  title: string;
  party: string[];
  held?: Record<string, number>;
  id?: string;
  at?: string;
}

/**
 * Parses `ID:NAME:ROLE` (the name may itself hold colons) into a party of `negotiation.opened`.
 *
 * @example
 * parseParty('qatar:State of Qatar:mediator'); // { id: 'qatar', name: 'State of Qatar', role: 'mediator' }
 */
export function parseParty(text: string): { id: string; name: string; role: string } {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last === first || last === text.length - 1) {
    throw new TruceError(
      'USAGE',
      `--party expects ID:NAME:ROLE such as israel:Israel:principal, found "${text}"`,
    );
  }
  return {
    id: text.slice(0, first),
    name: text.slice(first + 1, last),
    role: text.slice(last + 1),
  };
}

/**
 * Parses one `--held CATEGORY=N` into the counts gathered so far: a category and a whole number
 * of hostages held.
 *
 * @example
 * parseHeld('bodies=28', { living: 20 }); // { living: 20, bodies: 28 }
 */
export function parseHeld(
  text: string,
  previous: Record<string, number> = {},
): Record<string, number> {
  const match = /^(.+)=(\d+)$/.exec(text);
  const count = Number(match?.[2]);
  if (!match?.[1] || !Number.isSafeInteger(count)) {
    throw new TruceError(
      'USAGE',
      `--held expects CATEGORY=N such as women=50 (N a whole number), found "${text}"`,
    );
  }
  const category = match[1];
  if (Object.hasOwn(previous, category)) {
    throw new TruceError('USAGE', `--held names ${category} twice; give each category once`);
  }
  return { ...previous, [category]: count };
}

/**
 * Adds `truce init LOG --title T --party ID:NAME:ROLE ...`: starts a log with its
 * `negotiation.opened` event. Refuses (exit 3) when the log already holds events.
 *
 * @example
 * registerInit(program); // truce init deal.jsonl --title "Talks" --party a:A:principal --party b:B:principal
 */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('start a new log with its negotiation.opened event')
    .argument('[log]', 'the log file to create (JSON Lines), or use --store URL --stream NAME')
    .addOption(storeOption())
    .addOption(streamOption())
    .requiredOption('--title <title>', 'what the negotiation is called')
    .requiredOption(
      '--party <id:name:role>',
      'a party, role principal, mediator or third-party (repeat; at least two principals)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--held <category=n>',
      'hostages held at the opening, by category (repeat), e.g. --held living=20 --held bodies=28',
      parseHeld,
    )
    .option('--id <id>', 'the event id (default: a fresh unique id)')
    .option(
      '--at <datetime>',
      'when the talks opened, ISO 8601 with a zone (default: now)',
      parseEventTime,
    )
    .option('--source-name <name>', 'who reported it')
    .option('--source-url <url>', 'where it was reported')
    .option('--confidence <level>', 'confirmed, reported, claimed or disputed')
    .action(async (given: string | undefined, options: InitOptions) => {
      const opened = openLog(given, options);
      const log = opened.name;
      const event = {
        id: options.id ?? eventId(),
        type: 'negotiation.opened',
        at: options.at ?? isoNow(),
        data: {
          title: options.title,
          parties: options.party.map(parseParty),
          ...(options.held === undefined ? {} : { held: options.held }),
        },
        ...sourceOf(options),
      } as NewEvent;
      const store = await opened.store({ batchName: 'the opening event' });
      try {
        await store.append([event], { expectedVersion: 0 });
      } catch (error) {
        if (error instanceof ConcurrencyError) {
          throw new TruceError(
            'CONCURRENCY_CONFLICT',
            `${log} already holds ${error.actual} ${error.actual === 1 ? 'event' : 'events'} (up to seq ${error.actual}); truce init only starts a new log, use truce append to add to it`,
          );
        }
        throw error;
      }
      noteCommitted(`the log ${log} is started (seq 1)`);
      process.stdout.write('1\n');
    });
}
