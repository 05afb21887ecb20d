import type { EventStore, NewEvent } from '../store/index.js';

/** Single appends each bench makes (`N` in the environment for a quick run). */
export const SINGLE_APPENDS = Number(process.env.N ?? 200);
/** Batches of {@link BATCH_SIZE} each bench makes. */
export const BATCHES = 20;
export const BATCH_SIZE = 1_000;

/** The first event of every bench log. */
export const opened = {
  id: 'open',
  type: 'negotiation.opened',
  at: '2023-11-22T08:00:00Z',
  data: {
    title: 'Bench talks',
    parties: [
      { id: 'israel', name: 'Israel', role: 'principal' },
      { id: 'hamas', name: 'Hamas', role: 'principal' },
    ],
  },
} as NewEvent;

/** An aid delivery with a source: a typical small event. */
export function aid(id: string): NewEvent {
  return {
    id,
    type: 'aid.delivered',
    at: '2023-11-24T10:00:00Z',
    data: { region: 'south', trucks: 200 },
    source: { name: 'UN OCHA', confidence: 'reported' },
  } as NewEvent;
}

/**
 * Events per second of {@link SINGLE_APPENDS} durable single appends to a fresh store (after
 * its opening event), whatever the store.
 */
export async function singleAppendRate(store: EventStore): Promise<number> {
  await store.append([opened]);
  const started = performance.now();
  for (let i = 0; i < SINGLE_APPENDS; i++) await store.append([aid(`s${i}`)]);
  return SINGLE_APPENDS / ((performance.now() - started) / 1000);
}

/** Events per second of {@link BATCHES} appends of {@link BATCH_SIZE} events to a fresh store. */
export async function batchAppendRate(store: EventStore): Promise<number> {
  await store.append([opened]);
  const started = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    await store.append(Array.from({ length: BATCH_SIZE }, (_, i) => aid(`b${b}-${i}`)));
  }
  return (BATCHES * BATCH_SIZE) / ((performance.now() - started) / 1000);
}
