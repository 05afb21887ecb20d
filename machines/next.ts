import { type SnapshotFrom, transition } from 'xstate';
import type { EventType, TruceEvent } from '../events/index.js';
import { eventsAccepted } from './chart.js';
import type { RuleCode } from './codes.js';
import { nextPhase } from './context.js';
import type { DealMachine } from './deal.js';
import { dealMachine } from './deal.js';
import { explainRejection, statePath } from './explain.js';

/** An event type the current state takes, and what the machine says of it now. */
export interface NextEvent {
  type: EventType;
  /**
   * For an event whose data the deal fixes (the next `phase.started`, the `phase.completed` of
   * the phase in progress, talks and fighting by a principal): the machine's verdict on it
   * now. Null where the event's own data decides (a proposal, a release, aid…).
   */
  now:
    | { event: string; allowed: true }
    | { event: string; allowed: false; rule: RuleCode; message: string }
    | null;
}

/**
 * The event types the state of `snapshot` takes, read from the chart, in the catalogue's
 * order; for those whose data the deal fixes, whether the machine would take one now (asked
 * of the machine itself, with XState's pure `transition`).
 *
 * @example
 * nextEvents(actor.getSnapshot()).map((n) => n.type); // ['proposal.sent', …]
 */
export function nextEvents(snapshot: SnapshotFrom<DealMachine>): NextEvent[] {
  if (snapshot.status !== 'active') return [];
  const path = statePath(snapshot.value);
  return eventsAccepted(path).map((type) => ({ type, now: verdict(snapshot, path, type) }));
}

function verdict(
  snapshot: SnapshotFrom<DealMachine>,
  path: string,
  type: EventType,
): NextEvent['now'] {
  const probe = probeOf(snapshot, type);
  if (probe === null) return null;
  const label = `${type} ${JSON.stringify(probe.data)}`;
  const [after] = transition(dealMachine, snapshot, probe);
  if (after !== snapshot) return { event: label, allowed: true };
  const broken = explainRejection(path, snapshot.context, probe);
  return { event: label, allowed: false, rule: broken.rule, message: broken.message };
}

/** The one event of `type` the deal fixes now, or null when its data is the writer's choice. */
function probeOf(snapshot: SnapshotFrom<DealMachine>, type: EventType): TruceEvent | null {
  const ctx = snapshot.context;
  const base = { seq: ctx.seq + 1, id: 'next', at: ctx.at ?? '1970-01-01T00:00:00Z' };
  const principal = ctx.principals[0];
  switch (type) {
    case 'phase.started':
      return { ...base, type, data: { phase: nextPhase(ctx) } };
    case 'phase.completed':
      return ctx.inProgress ? { ...base, type, data: { phase: ctx.inProgress.phase } } : null;
    case 'talks.suspended':
    case 'talks.resumed':
    case 'hostilities.resumed':
      return principal === undefined ? null : { ...base, type, data: { by: principal } };
    default:
      return null;
  }
}
