import type { TruceEvent } from '../../events/index.js';
import { DealModel } from './dealModel.js';
import { foldLog } from './foldLog.js';
import type { Candidate } from './nextEvents.js';
import { seededDraws } from './seededDraws.js';

/** Options of {@link generatedLog}. */
export interface GeneratedLogOptions {
  /** How many events. */
  events: number;
  /** Decides every choice: the same seed gives the same log. */
  seed: number;
  /**
   * The deal model to fold into: one that forgets closed proposals by default (flat memory); a
   * test passes its own to watch it.
   */
  model?: DealModel;
}

/** Live proposals at most before no new one is sent: acceptances gather on those there are. */
const MAX_LIVE = 4;

/**
 * A long legal negotiation for `truce generate`: the property tests' fold ({@link foldLog}) over
 * the same legality model, fed by a seeded generator and steered so that a long log keeps
 * cycling through proposals, phases, releases, extensions, collapses and renewed talks instead
 * of settling. Lazy, in flat memory (the model forgets closed proposals), linear in `events`.
 *
 * Steering reweighs what the model allows, never adds to it: a phase whose completion would
 * conclude the deal (its proposal ends the war and it is the last phase) is not completed, and
 * fighting resumes sooner instead, since a concluded deal takes no new talks and the log would
 * stall; no new proposal while {@link MAX_LIVE} are live.
 *
 * @example
 * for (const event of generatedLog({ events: 1_000_000, seed: 7 })) out.write(`${JSON.stringify(event)}\n`);
 */
export function generatedLog(options: GeneratedLogOptions): Generator<TruceEvent> {
  return foldLog(seededDraws(options.seed), {
    events: options.events,
    model: options.model ?? new DealModel({ forgetClosed: true }),
    maxProposals: Number.POSITIVE_INFINITY,
    maxMinutesBetween: 90,
    steer,
  });
}

/**
 * What goes on within the state the deal is in, and how much more than the model weighs it: the
 * world's events, and a phase's releases, recounts and extensions. Every other candidate moves
 * the deal (proposals, acceptances, a phase started or completed, talks suspended or resumed,
 * fighting resumed).
 */
const ACTIVITY = new Map<string, number>([
  ['aid.delivered', 1],
  ['violation.reported', 1],
  ['hostages.counted', 1],
  // Catalogue v2's facts of the world: activity too, not moves of the deal.
  ['remains.returned', 1],
  ['demand.stated', 1],
  ['forces.withdrawn', 1],
  ['talks.started', 1],
  ['flareup.reported', 1],
  ['ceasefire.restored', 1],
  // Within a phase, its own business comes first.
  ['release.completed', 6],
  ['release.recounted', 3],
  ['pause.extended', 4],
]);
/**
 * One event in this many moves the deal, by the state it is in; the rest is activity within the
 * state. Talks move on quickly; a phase in force is mostly its releases and extensions. The
 * report lists every proposal and phase: a million events make a few thousand of each, as a long
 * real log would, not a hundred thousand.
 */
function dealMoveEvery(state: string): number {
  const top = state.split('.')[0];
  return top === 'inPhase' ? 60 : top === 'collapsed' ? 10 : 6;
}

function steer(candidates: Candidate[], model: DealModel): Candidate[] {
  const progress = model.inProgress;
  const inForce = model.proposals.find((p) => p.proposalId === progress?.proposalId);
  const wouldConclude =
    inForce?.terms.permanentCeasefire === true && inForce.terms.phases.length === progress?.phase;
  const crowded = model.proposals.filter((p) => p.status === 'live').length >= MAX_LIVE;
  const allowed = candidates
    .filter((c) => !(wouldConclude && c.type === 'phase.completed'))
    .filter((c) => !(crowded && c.type === 'proposal.sent'))
    .map((c) =>
      wouldConclude && c.type === 'hostilities.resumed' ? { ...c, weight: c.weight * 10 } : c,
    );
  // Weights rescaled so that deal moves take 1 in `dealMoveEvery` of the choices, each group
  // keeping its own proportions (whole numbers: activity × D × (n − 1), moves × A).
  const weighed = allowed.map((c) => ({ ...c, weight: c.weight * (ACTIVITY.get(c.type) ?? 1) }));
  let activity = 0;
  let moves = 0;
  for (const c of weighed) {
    if (ACTIVITY.has(c.type)) activity += c.weight;
    else moves += c.weight;
  }
  if (activity === 0 || moves === 0) return weighed;
  const every = dealMoveEvery(model.state);
  return weighed.map((c) => ({
    ...c,
    weight: ACTIVITY.has(c.type) ? c.weight * moves * (every - 1) : c.weight * activity,
  }));
}
