import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConcurrencyError, RejectedEventError } from '../../events/index.js';
import { FileEventStore } from '../../store/index.js';
import { readAll } from './contract.js';
import { aid, illegal, opened } from './fixtures.js';

/** What the store should hold: the ids in seq order. */
interface Model {
  ids: string[];
}

/** The real thing: a file store, replaced by a fresh one on reopen. */
interface Real {
  log: string;
  store: FileEventStore;
}

const open = (log: string, snapshotEvery: number) =>
  new FileEventStore(log, { warn: () => undefined, snapshotEvery });

async function agree(model: Model, real: Real): Promise<void> {
  const events = await readAll(real.store);
  expect(events.map((e) => e.id)).toEqual(model.ids);
  expect(events.map((e) => e.seq)).toEqual(model.ids.map((_, i) => i + 1));
  expect(await real.store.head()).toBe(model.ids.length);
}

class AppendCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly ids: string[],
    readonly expect: 'right' | 'wrong' | 'none',
    readonly rejectAt: number | undefined,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const batch = this.ids.map((id, i) => (i === this.rejectAt ? illegal(id) : aid(id)));
    const known = new Set(model.ids);
    const fresh = this.ids.filter((id) => !known.has(id));
    const head = model.ids.length;
    const options =
      this.expect === 'none' ? {} : { expectedVersion: this.expect === 'right' ? head : head + 1 };
    const outcome = await real.store.append(batch, options).catch((error: unknown) => error);
    const rejected =
      this.rejectAt !== undefined && fresh.includes(this.ids[this.rejectAt] as string);
    if (fresh.length > 0 && this.expect === 'wrong') {
      expect(outcome).toBeInstanceOf(ConcurrencyError);
    } else if (rejected) {
      expect(outcome).toBeInstanceOf(RejectedEventError);
    } else {
      expect(outcome).toMatchObject({ written: fresh.length, head: head + fresh.length });
      model.ids.push(...fresh);
    }
    await agree(model, real);
  }
  toString = () =>
    `append(${this.ids.join(',')}; expect ${this.expect}${this.rejectAt === undefined ? '' : `; reject #${this.rejectAt}`})`;
}

class ReopenCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly snapshotEvery: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    real.store = open(real.log, this.snapshotEvery);
    await agree(model, real);
  }
  toString = () => `reopen(snapshot every ${this.snapshotEvery})`;
}

class TornTailCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly fraction: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    // A crash mid-write: part of an unacknowledged line at the end of the file.
    const line = `${JSON.stringify({ seq: model.ids.length + 1, ...aid('torn-never-acked') })}\n`;
    const cut = Math.max(1, Math.floor(line.length * this.fraction));
    writeFileSync(real.log, line.slice(0, Math.min(cut, line.length - 2)), { flag: 'a' });
    await real.store.repair();
    await agree(model, real);
  }
  toString = () => `tornTail(${this.fraction.toFixed(2)})`;
}

describe('model: the file store against a list of ids', () => {
  it('agrees after every append, conflict, re-append, reopen and torn tail', async () => {
    const id = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l');
    const commands = [
      fc
        .tuple(
          fc.uniqueArray(id, { minLength: 1, maxLength: 4 }),
          fc.constantFrom('right', 'wrong', 'none') as fc.Arbitrary<'right' | 'wrong' | 'none'>,
          fc.option(fc.nat(3), { nil: undefined, freq: 4 }),
        )
        .map(
          ([ids, expect, rejectAt]) =>
            new AppendCommand(
              ids,
              expect,
              rejectAt !== undefined && rejectAt < ids.length ? rejectAt : undefined,
            ),
        ),
      fc.constantFrom(1, 3, 1000).map((every) => new ReopenCommand(every)),
      fc.double({ min: 0.05, max: 0.95, noNaN: true }).map((f) => new TornTailCommand(f)),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
        const dir = mkdtempSync(join(tmpdir(), 'truce-model-'));
        const log = join(dir, 'deal.jsonl');
        try {
          const real: Real = { log, store: open(log, 3) };
          await real.store.append([opened('open')]);
          await fc.asyncModelRun(() => ({ model: { ids: ['open'] }, real }), cmds);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
