import fc from 'fast-check';
import { RejectedEventError, type TruceEvent } from '../../events/index.js';
import { Replayer } from '../../replay/index.js';
import { choose, nextEvents, type Pick, toEvent } from './nextEvents.js';

/** Options of {@link legalLog}. */
export interface LegalLogConstraints {
  /** Longest log, in events (40 by default). */
  maxEvents?: number;
}

const START = Date.UTC(2023, 10, 22);
const SOURCES = [
  { name: 'AP', confidence: 'confirmed' },
  { name: 'Reuters', url: 'https://www.reuters.com/', confidence: 'reported' },
  { name: 'Al Jazeera', confidence: 'claimed', note: 'one source' },
] as const;

/**
 * A legal negotiation in log format v1: seq 1..n, unique ids, increasing `at`. Built as a fold:
 * at each step the legality model (`nextEvents`, from the DESIGN §4 table) lists what may come
 * next given the machine's state and context, and fast-check's choices pick one. The choices
 * shrink (fewer steps, lower picks), so a failing log shrinks to a shorter one, still legal.
 *
 * Should the machine reject a generated event, the log ends with that event, so a property that
 * replays it fails and shows the disagreement.
 *
 * @example
 * fc.assert(fc.property(legalLog(), (events) => { ... }));
 */
export function legalLog(constraints: LegalLogConstraints = {}): fc.Arbitrary<TruceEvent[]> {
  const maxEvents = constraints.maxEvents ?? 40;
  return fc
    .tuple(
      fc.array(fc.nat({ max: 0xffff }), { minLength: 1, maxLength: maxEvents, size: 'max' }),
      fc.integer(),
    )
    .map(([steps, detail]) => buildLog(steps, detail));
}

/**
 * Folds the choices into a log: `steps[i]` picks the i-th event among the legal candidates,
 * and a small generator seeded with `detail` draws its numbers (counts, days, terms).
 */
export function buildLog(steps: readonly number[], detail: number): TruceEvent[] {
  let state = detail | 0;
  // mulberry32: tiny, deterministic, good enough to vary counts and terms.
  const pick: Pick = (max) => {
    if (max <= 0) return 0;
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * max) | 0;
  };
  const replayer = new Replayer();
  const events: TruceEvent[] = [];
  let time = START;
  for (const step of steps) {
    const candidates = nextEvents(replayer.state, replayer.context, pick);
    const candidate = choose(candidates, (sum) => (sum > 0 ? step % sum : 0));
    if (!candidate) break;
    time += (1 + pick(720)) * 60_000;
    const seq = events.length + 1;
    const event = toEvent(candidate.move, seq, new Date(time).toISOString());
    const source = pick(4) === 0 ? SOURCES[pick(SOURCES.length)] : undefined;
    if (source) event.source = { ...source };
    events.push(event);
    try {
      replayer.apply(event);
    } catch (error) {
      if (error instanceof RejectedEventError) break;
      throw error;
    }
  }
  return events;
}
