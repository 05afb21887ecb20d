import type { StateValue } from 'xstate';
import type { TruceEvent } from '../events/index.js';
import { eventsAccepted, stateAccepts, statesAccepting } from './chart.js';
import { type Violation, violation } from './codes.js';
import { type DealContext, hasAccepted, isOpen, listProposals, nextPhase } from './context.js';
import { checkEvent } from './rules.js';

/** `negotiating.proposalOnTable` from XState's `{ negotiating: 'proposalOnTable' }`. */
export function statePath(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value)[0] ?? [];
  if (key === undefined) return '';
  return child === undefined ? key : `${key}.${statePath(child as StateValue)}`;
}

/**
 * Why the machine did not take `event` in the state at `path`: the broken rule, by code and in
 * words. Called only after the machine refused the event, so it explains and never decides.
 */
export function explainRejection(path: string, context: DealContext, event: TruceEvent): Violation {
  if (path === 'unopened') {
    return violation('log.notOpened', 'a log must begin with negotiation.opened');
  }
  if (path === 'concluded' && !stateAccepts(path, event.type)) {
    return violation(
      'deal.concluded',
      `the negotiation has concluded with a permanent ceasefire; a ${event.type} would reopen it (only ${afterConclusion()} can follow)`,
    );
  }
  if (stateAccepts(path, event.type)) {
    const rule = checkEvent(context, event);
    if (rule) return rule;
  }
  return stateReason(path, context, event);
}

/** The events `concluded` takes, from the chart; a release there returns remains only. */
function afterConclusion(): string {
  return eventsAccepted('concluded')
    .map((type) => (type === 'release.completed' ? 'release.completed of remains' : type))
    .join(', ');
}

/**
 * The rule an event breaks by coming in a state that does not take it. Which states take what
 * is read from the chart: the sentence ends with the states that would take the event.
 */
function stateReason(path: string, ctx: DealContext, event: TruceEvent): Violation {
  const broken = stateRule(path, ctx, event);
  const where = statesAccepting(event.type);
  const taken = where.length === 1 ? `only in ${where[0]}` : `in ${where.join(', ')}`;
  return violation(broken.rule, `${broken.message} (${event.type} is taken ${taken})`);
}

function stateRule(path: string, ctx: DealContext, event: TruceEvent): Violation {
  // What the state at `path` is, in the chart's terms: suspended talks take talks.resumed;
  // after a collapse only a new proposal.sent is taken, not an answer; a phase is in progress
  // where releases are taken.
  const suspended = stateAccepts(path, 'talks.resumed');
  const collapsed = stateAccepts(path, 'proposal.sent') && !stateAccepts(path, 'proposal.accepted');
  const phaseInProgress = stateAccepts(path, 'release.completed');
  switch (event.type) {
    case 'negotiation.opened':
      return violation('log.alreadyOpened', 'the negotiation is already open');
    case 'proposal.sent':
    case 'proposal.accepted':
    case 'phase.accepted':
    case 'proposal.rejected':
    case 'phase.started': {
      if (collapsed) {
        return violation(
          'deal.collapsed',
          'fighting has resumed; a new proposal.sent must put terms back on the table first',
        );
      }
      // Talks are refused in an opened state only after a collapse (above), after the
      // conclusion (explainRejection) and while suspended.
      if (event.type !== 'phase.started') {
        return violation('talks.suspended', 'talks are suspended; a talks.resumed must come first');
      }
      if (phaseInProgress) {
        return violation('phase.stillInProgress', `phase ${ctx.phase} is still in progress`);
      }
      const phase = nextPhase(ctx);
      if (event.data.phase !== phase) {
        return violation('phase.notNext', `the next phase is ${phase}, not ${event.data.phase}`);
      }
      const missing = listProposals(ctx)
        .filter((p) => isOpen(p.status) && p.terms.phases.length >= phase)
        .map((p) => {
          const absent = ctx.principals.filter((party) => !hasAccepted(p, party, phase));
          return `${p.proposalId} lacks ${absent.join(' and ')}`;
        });
      return violation(
        'phase.notAgreed',
        `phase ${phase} needs every principal's acceptance (${ctx.principals.join(', ')}) of one live proposal${missing.length ? `: ${missing.join('; ')}` : ', and no live proposal has terms for it'}`,
      );
    }
    case 'release.completed':
    case 'release.recounted':
    case 'pause.extended':
    case 'phase.completed':
      return violation(
        'phase.notInProgress',
        `a ${event.type} needs a phase in progress, and ${ctx.phase === 0 ? 'no phase has started' : `phase ${ctx.phase} is not in progress`}`,
      );
    case 'hostilities.resumed':
      return violation(
        'hostilities.noPause',
        'fighting can only resume while a pause is agreed, in force or holding after a completed phase, and none is',
      );
    case 'talks.suspended':
      return suspended
        ? violation('talks.alreadySuspended', 'talks are already suspended')
        : violation('talks.notNegotiating', 'talks can be suspended only while negotiating');
    case 'talks.resumed':
      return violation('talks.notSuspended', 'talks are not suspended');
    case 'flareup.reported':
    case 'ceasefire.restored':
      return violation(
        'flareup.noCeasefire',
        `a ${event.type} needs a ceasefire in force, and fighting has resumed`,
      );
    case 'aid.delivered':
    case 'violation.reported':
    case 'hostages.counted':
    case 'remains.returned':
    case 'demand.stated':
    case 'forces.withdrawn':
    case 'talks.started':
      throw new Error(`${event.type} is taken in every opened state`);
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event type ${(unreachable as TruceEvent).type}`);
    }
  }
}
