import type { TruceEvent } from '../../events/index.js';
import { DealModel } from './dealModel.js';
import {
  type Candidate,
  choose,
  type NextEventsOptions,
  nextEvents,
  type Pick,
  toEvent,
} from './nextEvents.js';

/**
 * Where a log's choices come from: `choice` picks among the weighted candidates, `detail` the
 * rest (counts, terms, parties, times). fast-check's draws in the property tests (so a failing
 * log shrinks), a seeded generator in `truce generate` (so a seed gives the same bytes).
 */
export interface LogDraws {
  choice: Pick;
  detail: Pick;
}

/** Options of {@link foldLog}. */
export interface FoldLogOptions extends NextEventsOptions {
  /** How many events, at most: fewer only when nothing may come next. */
  events: number;
  /** The deal model to fold into; a new {@link DealModel} by default. */
  model?: DealModel;
  /** Minutes between two events are 1 to this many (720 by default). */
  maxMinutesBetween?: number;
  /**
   * Reweighs the candidates before the choice (weight 0 leaves one out): how `truce generate`
   * steers a long log through renewed talks. The candidates stay those the model allows.
   */
  steer?: (candidates: Candidate[], model: DealModel) => Candidate[];
}

const START = Date.UTC(2023, 10, 22);
const SOURCES = [
  { name: 'AP', confidence: 'confirmed' },
  { name: 'Reuters', url: 'https://www.reuters.com/', confidence: 'reported' },
  { name: 'Al Jazeera', confidence: 'claimed', note: 'one source' },
] as const;

/**
 * A legal negotiation in log format v1, one event at a time: seq 1..n, unique ids, increasing
 * `at`. At each step the legality model (`nextEvents`, from the README's rules, over the
 * oracle's {@link DealModel} of the deal so far) lists what may come next, `draws.choice`
 * picks one and `draws.detail` its details. Lazy: a caller streams a long log without holding it.
 *
 * @example
 * for (const event of foldLog(seededDraws(7), { events: 1_000 })) write(JSON.stringify(event));
 */
export function* foldLog(draws: LogDraws, options: FoldLogOptions): Generator<TruceEvent> {
  const { events, steer, maxMinutesBetween = 720 } = options;
  const model = options.model ?? new DealModel();
  const pick = draws.detail;
  let time = START;
  for (let seq = 1; seq <= events; seq++) {
    const allowed = nextEvents(model.state, model, options);
    const candidate = choose(steer ? steer(allowed, model) : allowed, draws.choice);
    if (!candidate) return;
    const move = candidate.draw(pick);
    time += (1 + pick(maxMinutesBetween)) * 60_000;
    const event = toEvent(move, seq, new Date(time).toISOString());
    if (pick(4) === 3) event.source = { ...SOURCES[pick(SOURCES.length)] } as TruceEvent['source'];
    model.apply(event);
    yield event;
  }
}
