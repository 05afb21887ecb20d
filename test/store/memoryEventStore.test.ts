import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../store/index.js';
import { storeContract } from './contract.js';
import { aid, opened } from './fixtures.js';

storeContract('memory', async () => ({ store: new MemoryEventStore() }));

describe('MemoryEventStore', () => {
  it('appends 20,000 single events without slowing down (O(1) per append)', async () => {
    const store = new MemoryEventStore();
    await store.append([opened()]);
    const timeOf = async (from: number, count: number) => {
      const started = performance.now();
      for (let i = from; i < from + count; i++) await store.append([aid(`a${i}`)]);
      return performance.now() - started;
    };
    const early = await timeOf(0, 5_000);
    await timeOf(5_000, 10_000);
    const late = await timeOf(15_000, 5_000);
    expect(await store.head()).toBe(20_001);
    // A store that copied the stream on each append would take ~4× longer for the late block.
    expect(late).toBeLessThan(early * 2.5 + 50);
  });
});
