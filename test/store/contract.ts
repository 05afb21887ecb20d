import { describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  RejectedEventError,
  type TruceEvent,
  ValidationError,
} from '../../events/index.js';
import type { EventStore } from '../../store/index.js';
import { aid, illegal, malformed, opened } from './fixtures.js';

/** Makes a fresh, empty store of one adapter; `close` removes whatever it created. */
export type StoreFactory = () => Promise<{ store: EventStore; close?: () => Promise<void> }>;

/** Everything a store holds, in order. */
export async function readAll(store: EventStore, from?: number): Promise<TruceEvent[]> {
  const out: TruceEvent[] = [];
  for await (const event of store.read(from === undefined ? {} : { from })) out.push(event);
  return out;
}

async function withStore(factory: StoreFactory, body: (store: EventStore) => Promise<void>) {
  const { store, close } = await factory();
  try {
    await body(store);
  } finally {
    await close?.();
  }
}

/**
 * The behaviour every {@link EventStore} adapter must show (issue 4): round trip, read from a
 * position, empty store, expected-version conflicts, idempotent re-appends and batch atomicity.
 * Call it from an adapter's test file with a factory of fresh stores.
 *
 * @example
 * storeContract('memory', async () => ({ store: new MemoryEventStore() }));
 */
export function storeContract(adapter: string, factory: StoreFactory): void {
  const test = (name: string, body: (store: EventStore) => Promise<void>) =>
    it(name, () => withStore(factory, body));

  describe(`EventStore contract: ${adapter}`, () => {
    test('given an empty store, then its head is 0 and a read yields nothing', async (store) => {
      expect(await store.head()).toBe(0);
      expect(await readAll(store)).toEqual([]);
    });

    test('when events are appended, then they read back in order with seqs 1, 2, 3', async (store) => {
      const first = await store.append([opened()]);
      expect(first).toEqual({ seqs: [1], written: 1, head: 1 });
      const next = await store.append([aid('a1', 5), aid('a2', 7)]);
      expect(next).toEqual({ seqs: [2, 3], written: 2, head: 3 });
      const events = await readAll(store);
      expect(events.map((e) => [e.seq, e.id, e.type])).toEqual([
        [1, 'open', 'negotiation.opened'],
        [2, 'a1', 'aid.delivered'],
        [3, 'a2', 'aid.delivered'],
      ]);
      expect(events[2]).toMatchObject({
        data: { region: 'south', trucks: 7 },
        source: { name: 'UN' },
      });
      expect(await store.head()).toBe(3);
    });

    test('when reading from a position, then only that seq and later ones come back', async (store) => {
      await store.append([opened(), aid('a1'), aid('a2'), aid('a3')]);
      expect((await readAll(store, 3)).map((e) => e.seq)).toEqual([3, 4]);
      expect((await readAll(store, 1)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(await readAll(store, 5)).toEqual([]);
    });

    test('a seq given with a new event is ignored: the store assigns the next one', async (store) => {
      await store.append([opened()]);
      const result = await store.append([{ ...aid('a1'), seq: 99 } as never]);
      expect(result.seqs).toEqual([2]);
      expect((await readAll(store, 2))[0]?.seq).toBe(2);
    });

    test('given head 2, when appending with expected version 2, then it succeeds', async (store) => {
      await store.append([opened(), aid('a1')]);
      expect(await store.append([aid('a2')], { expectedVersion: 2 })).toEqual({
        seqs: [3],
        written: 1,
        head: 3,
      });
    });

    test('given head 2, when appending with expected version 1, then a conflict names head 2 and nothing is written', async (store) => {
      await store.append([opened(), aid('a1')]);
      const error = await store.append([aid('a2')], { expectedVersion: 1 }).catch((e) => e);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ expected: 1, actual: 2, code: 'CONCURRENCY_CONFLICT' });
      expect(await store.head()).toBe(2);
      expect((await readAll(store)).map((e) => e.id)).toEqual(['open', 'a1']);
    });

    test('given an empty store, expected version 0 succeeds and 1 conflicts', async (store) => {
      await expect(store.append([opened()], { expectedVersion: 1 })).rejects.toMatchObject({
        actual: 0,
      });
      await expect(store.append([opened()], { expectedVersion: 0 })).resolves.toMatchObject({
        seqs: [1],
      });
    });

    test('when two appends race with the same expected version, then exactly one is written', async (store) => {
      await store.append([opened()]);
      const results = await Promise.allSettled([
        store.append([aid('x')], { expectedVersion: 1 }),
        store.append([aid('y')], { expectedVersion: 1 }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason).toBeInstanceOf(ConcurrencyError);
      expect(await store.head()).toBe(2);
    });

    test('when an id already stored is appended again, then nothing is written and its seq is reported', async (store) => {
      await store.append([opened(), aid('a1', 5), aid('a2')]);
      const again = await store.append([aid('a1', 999)]);
      expect(again).toEqual({ seqs: [2], written: 0, head: 3 });
      const events = await readAll(store);
      expect(events).toHaveLength(3);
      expect(events[1]).toMatchObject({ id: 'a1', data: { trucks: 5 } });
    });

    test('a retry of an acknowledged append with its old expected version reports the original seqs', async (store) => {
      await store.append([opened()]);
      await store.append([aid('a1'), aid('a2')], { expectedVersion: 1 });
      expect(await store.append([aid('a1'), aid('a2')], { expectedVersion: 1 })).toEqual({
        seqs: [2, 3],
        written: 0,
        head: 3,
      });
    });

    test('in a batch mixing stored and new ids, only the new events are written', async (store) => {
      await store.append([opened(), aid('a1')]);
      expect(await store.append([aid('a1'), aid('a2')])).toEqual({
        seqs: [2, 3],
        written: 1,
        head: 3,
      });
    });

    test('when the third event of a batch is rejected, then none of the batch is written', async (store) => {
      await store.append([opened()]);
      const error = await store
        .append([aid('a1'), aid('a2'), illegal('bad'), aid('a3')])
        .catch((e) => e);
      expect(error).toBeInstanceOf(RejectedEventError);
      expect(error.message).toMatch(/seq 4, type phase\.started\): rejected in state/);
      expect(await store.head()).toBe(1);
      expect((await readAll(store)).map((e) => e.id)).toEqual(['open']);
      // The statechart was not left mid-batch: the same good events append afterwards.
      expect(await store.append([aid('a1'), aid('a2')])).toEqual({
        seqs: [2, 3],
        written: 2,
        head: 3,
      });
    });

    test('when the first event is not an opening, then it is rejected and the store stays empty', async (store) => {
      await expect(store.append([aid('a1')])).rejects.toBeInstanceOf(RejectedEventError);
      expect(await store.head()).toBe(0);
    });

    test('when an event of a batch breaks its schema, then a ValidationError names the field and nothing is written', async (store) => {
      await store.append([opened()]);
      const error = await store.append([aid('a1'), malformed('m')]).catch((e) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toMatch(
        /line 2 \(seq 3, type aid\.delivered\): data\.trucks: expected/,
      );
      expect(await store.head()).toBe(1);
      expect(await store.append([aid('a1')])).toMatchObject({ seqs: [2] });
    });

    test('when a batch repeats an id, then it is refused as invalid', async (store) => {
      await store.append([opened()]);
      const error = await store.append([aid('same'), aid('same')]).catch((e) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toMatch(/"same" already used on line 1/);
      expect(await store.head()).toBe(1);
    });

    test('an event without an id is refused', async (store) => {
      const { id: _id, ...noId } = opened();
      await expect(store.append([noId as never])).rejects.toBeInstanceOf(ValidationError);
      expect(await store.head()).toBe(0);
    });

    test('an empty batch writes nothing', async (store) => {
      await store.append([opened()]);
      expect(await store.append([])).toEqual({ seqs: [], written: 0, head: 1 });
    });

    test('a read started before an append sees a consistent prefix', async (store) => {
      await store.append([opened(), aid('a1')]);
      const reader = store.read()[Symbol.asyncIterator]();
      const first = await reader.next();
      await store.append([aid('a2')]);
      const rest: number[] = [];
      for (let r = await reader.next(); !r.done; r = await reader.next()) rest.push(r.value.seq);
      expect(first.value?.seq).toBe(1);
      expect([1, ...rest].slice(0, 2)).toEqual([1, 2]);
      expect(rest.every((seq, i) => seq === i + 2)).toBe(true);
    });
  });
}
