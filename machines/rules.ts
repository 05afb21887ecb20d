import {
  type EventOf,
  instantOf,
  type PhaseTerms,
  rememberedInstant,
  type TruceEvent,
} from '../events/index.js';
import { type Violation, violation } from './codes.js';
import {
  ceasefireHolds,
  type DealContext,
  extensionHostages,
  findProposal,
  hasAccepted,
  isDeceased,
  isOpen,
  nextPhase,
  own,
  type PhaseInProgress,
  total,
} from './context.js';
import { tableGet } from './table.js';

/**
 * The rules of DESIGN §4 that depend on the context rather than the state: returns the
 * reason an event breaks a rule, in words, or null when it keeps them all. The statechart
 * decides which events a state accepts; this decides the rest.
 */
export function checkEvent(ctx: DealContext, event: TruceEvent): Violation | null {
  switch (event.type) {
    case 'negotiation.opened':
      return null;
    case 'proposal.sent': {
      const { proposalId, from, via, to, replaces } = event.data;
      const who = unknownParty(ctx, [from, ...(via ?? []), ...(to ?? [])]);
      if (who) return who;
      if (findProposal(ctx, proposalId)) {
        return violation('proposal.duplicate', `proposal ${proposalId} was already sent`);
      }
      if (replaces !== undefined) {
        const old = findProposal(ctx, replaces);
        if (!old) {
          return violation(
            'proposal.replacesUnknown',
            `proposal ${replaces}, which this one replaces, was never sent`,
          );
        }
        if (!isOpen(old.status) && old.status !== 'lapsed') {
          return violation(
            'proposal.replacesClosed',
            `proposal ${replaces} is already ${old.status}`,
          );
        }
      }
      const started = ctx.inProgress;
      if (started && replaces === started.proposalId) {
        return violation(
          'proposal.replacesInForce',
          `proposal ${replaces} is in force (phase ${started.phase} in progress) and cannot be replaced until the phase ends`,
        );
      }
      return null;
    }
    case 'proposal.accepted':
    case 'phase.accepted':
    case 'proposal.rejected': {
      const { proposalId, by } = event.data;
      const principal = mustBePrincipal(ctx, by, event.type);
      if (principal) return principal;
      const p = findProposal(ctx, proposalId);
      if (!p) return violation('proposal.unknown', `proposal ${proposalId} was never sent`);
      if (instantOf(event.at) < rememberedInstant(p.sentAt)) {
        return violation(
          'time.beforeProposal',
          `a ${event.type} of proposal ${proposalId} is dated ${event.at}, before the proposal was sent (${p.sentAt})`,
        );
      }
      if (!isOpen(p.status)) {
        return violation('proposal.notLive', `proposal ${proposalId} is ${p.status}, not live`);
      }
      if (event.type === 'proposal.rejected') {
        if (ctx.inProgress?.proposalId === proposalId) {
          return violation(
            'proposal.inForce',
            `proposal ${proposalId} is in force (phase ${ctx.inProgress.phase} in progress)`,
          );
        }
        return null;
      }
      if (event.type === 'proposal.accepted') {
        if (p.acceptedAll.includes(by)) {
          return violation('acceptance.duplicate', `${by} already accepted proposal ${proposalId}`);
        }
        return null;
      }
      const phase = event.data.phase;
      if (phase > p.terms.phases.length) {
        return violation(
          'acceptance.noSuchPhase',
          `proposal ${proposalId} has ${p.terms.phases.length} phase(s), not a phase ${phase}`,
        );
      }
      if (hasAccepted(p, by, phase)) {
        return violation(
          'acceptance.phaseDuplicate',
          `${by} already accepted phase ${phase} of proposal ${proposalId}`,
        );
      }
      return null;
    }
    case 'phase.started': {
      const expected = nextPhase(ctx);
      if (event.data.phase !== expected) {
        return violation('phase.notNext', `the next phase is ${expected}, not ${event.data.phase}`);
      }
      return null;
    }
    case 'release.completed':
      return checkRelease(ctx, event);
    case 'release.recounted': {
      const progress = inPhase(ctx, event);
      if (!('terms' in progress)) return progress;
      const moved = total(event.data.hostages);
      if (moved > ctx.outsideNotRecounted) {
        return violation(
          'recount.exceedsOutside',
          `recount of ${moved} hostage(s) exceeds the ${ctx.outsideNotRecounted} released outside the deal and not yet counted under it`,
        );
      }
      return withinTerms(progress, event.data.hostages, 'recount');
    }
    case 'pause.extended': {
      const progress = inPhase(ctx, event);
      if (!('terms' in progress)) return progress;
      return checkExtension(progress, event);
    }
    case 'aid.delivered': {
      const phase = event.data.phase;
      if ((phase ?? 0) > ctx.phase) {
        return violation(
          'aid.phaseNotStarted',
          `aid is reported for phase ${phase}, but ${ctx.phase === 0 ? 'no phase has' : `only phases up to ${ctx.phase} have`} started`,
        );
      }
      return null;
    }
    case 'violation.reported':
      return unknownPartyId(ctx, event.data.by) ?? unknownPartyId(ctx, event.data.against);
    case 'phase.completed': {
      const progress = inPhase(ctx, event);
      if (!('terms' in progress)) return progress;
      return checkCompletion(progress);
    }
    case 'hostilities.resumed':
    case 'talks.suspended':
    case 'talks.resumed':
    case 'forces.withdrawn':
      return unknownPartyId(ctx, event.data.by);
    case 'hostages.counted':
      return null;
    case 'flareup.reported': {
      const who = unknownPartyId(ctx, event.data.by) ?? unknownPartyId(ctx, event.data.against);
      if (who) return who;
      if (!ceasefireHolds(ctx)) {
        return violation(
          'flareup.noCeasefire',
          'a flare-up is fighting inside a ceasefire, and no ceasefire is in force (fighting outside one is hostilities.resumed or violation.reported)',
        );
      }
      return null;
    }
    case 'ceasefire.restored': {
      const who = unknownPartyId(ctx, event.data.by);
      if (who) return who;
      if (!ctx.strained) {
        return violation(
          'ceasefire.notStrained',
          'the ceasefire can be restored only after a flare-up, and none is open',
        );
      }
      return null;
    }
    case 'remains.returned': {
      const who = unknownPartyId(ctx, event.data.by);
      if (who) return who;
      const phase = event.data.phase;
      if ((phase ?? 0) > ctx.phase) {
        return violation(
          'remains.phaseNotStarted',
          `remains are reported for phase ${phase}, but ${ctx.phase === 0 ? 'no phase has' : `only phases up to ${ctx.phase} have`} started`,
        );
      }
      return null;
    }
    case 'demand.stated':
      return mustBePrincipal(ctx, event.data.by, event.type);
    case 'talks.started':
      return unknownParty(ctx, event.data.by ?? []);
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event type ${(unreachable as TruceEvent).type}`);
    }
  }
}

function unknownParty(ctx: DealContext, ids: ReadonlyArray<string | undefined>): Violation | null {
  for (const id of ids) {
    const who = unknownPartyId(ctx, id);
    if (who) return who;
  }
  return null;
}

/**
 * {@link unknownParty} of one id: what the rules ask of most events (one or two parties), with
 * no array made for them.
 */
function unknownPartyId(ctx: DealContext, id: string | undefined): Violation | null {
  if (id === undefined || own(ctx.parties, id)) return null;
  return violation(
    'party.notDeclared',
    `party ${id} was not declared when the negotiation opened (declared: ${Object.keys(ctx.parties).join(', ')})`,
  );
}

function mustBePrincipal(ctx: DealContext, by: string, type: string): Violation | null {
  const party = own(ctx.parties, by);
  if (!party) return unknownPartyId(ctx, by);
  if (party.role !== 'principal') {
    const verb =
      type === 'proposal.rejected'
        ? 'reject'
        : type === 'demand.stated'
          ? 'state a demand'
          : 'accept';
    return violation(
      'party.notPrincipal',
      `only principals (${ctx.principals.join(', ')}) may ${verb}; ${by} is a ${party.role}`,
    );
  }
  return null;
}

function inPhase(ctx: DealContext, event: PhaseEvent): PhaseInProgress | Violation {
  const phase = event.data.phase;
  const progress = ctx.inProgress;
  if (!progress) return violation('phase.notInProgress', `phase ${phase} is not in progress`);
  if (progress.phase !== phase) {
    return violation(
      'phase.otherInProgress',
      `phase ${phase} is not in progress (phase ${progress.phase} is)`,
    );
  }
  if (instantOf(event.at) < rememberedInstant(progress.startedAt)) {
    return violation(
      'time.beforePhaseStart',
      `a ${event.type} of phase ${phase} is dated ${event.at}, before the phase started (${progress.startedAt})`,
    );
  }
  return progress;
}

/** The events that belong to the phase in progress. */
type PhaseEvent = EventOf<
  'release.completed' | 'release.recounted' | 'pause.extended' | 'phase.completed'
>;

function checkRelease(ctx: DealContext, event: EventOf<'release.completed'>): Violation | null {
  if (ctx.concludedPhase) return lateRemains(ctx.concludedPhase, event);
  const progress = inPhase(ctx, event);
  if (!('terms' in progress)) return progress;
  for (const o of event.data.outsideDeal ?? []) {
    const who = unknownPartyId(ctx, o.by);
    if (who) return who;
  }
  return withinTerms(progress, event.data.hostages, 'release');
}

/**
 * After a permanent ceasefire the world goes on: late remains of deceased hostages are still
 * returned, and count toward the deal's last phase (beyond what its terms named, if so: the
 * remains are a fact to record, not a term to enforce). Anything else a release could carry,
 * living hostages, prisoners, hostages freed outside the deal, would reopen the deal.
 */
function lateRemains(last: PhaseInProgress, event: EventOf<'release.completed'>): Violation | null {
  const { phase, hostages = [], prisoners = [], outsideDeal = [] } = event.data;
  const only =
    'after the permanent ceasefire a release can only return remains of deceased hostages';
  if (phase !== last.phase) {
    return violation(
      'release.afterConclusion',
      `${only}, counted toward phase ${last.phase}, the deal's last; this one is for phase ${phase}`,
    );
  }
  const living = hostages.find((h) => !isDeceased(h));
  if (living) {
    return violation(
      'release.afterConclusion',
      `${only} (deceased: true or category bodies); this one releases ${living.count} living ${living.category}`,
    );
  }
  if (prisoners.length > 0 || outsideDeal.length > 0) {
    const what = prisoners.length > 0 ? 'prisoners' : 'hostages outside the deal';
    return violation('release.afterConclusion', `${only}; this one releases ${what}`);
  }
  if (hostages.length === 0) {
    return violation('release.afterConclusion', `${only}; this one returns none`);
  }
  return null;
}

/** Counted hostages stay within the phase's terms per category, plus extensions. */
function withinTerms(
  progress: PhaseInProgress,
  hostages: ReadonlyArray<{ category: string; count: number }> | undefined,
  what: 'release' | 'recount',
): Violation | null {
  const list = hostages ?? [];
  // Per category: the hostages added, and the limit the terms name (null: no count stated). A
  // release names one category or none in nearly every line: it is checked without the map.
  const adding =
    list.length > 1 ? new Map<string, { count: number; limit: number | null }>() : undefined;
  let onlyLimit: number | null = null;
  for (const h of list) {
    const limit = tableGet(progress.named, h.category);
    if (limit === undefined) {
      const named = namedCategories(progress.terms).join(', ') || 'none';
      return violation(
        'release.categoryNotNamed',
        `phase ${progress.phase}'s terms name no ${h.category} hostages (they name: ${named})`,
      );
    }
    if (adding === undefined) onlyLimit = limit;
    else adding.set(h.category, { count: (adding.get(h.category)?.count ?? 0) + h.count, limit });
  }
  let countedAfter = progress.releasedTotal;
  if (adding === undefined) {
    const only = list[0];
    if (only !== undefined) {
      countedAfter += only.count;
      const over = beyondDue(progress, only.category, only.count, onlyLimit, what);
      if (over) return over;
    }
  } else {
    for (const [category, { count, limit }] of adding) {
      countedAfter += count;
      const over = beyondDue(progress, category, count, limit, what);
      if (over) return over;
    }
  }
  const baseTotal = progress.namedTotal;
  if (baseTotal !== null && countedAfter > baseTotal + progress.extensionHostages) {
    const allowed = baseTotal + progress.extensionHostages;
    return violation(
      'release.exceedsTotal',
      `${what} brings the hostages counted in phase ${progress.phase} to ${countedAfter}, more than the ${allowed} its terms and extensions name`,
    );
  }
  return null;
}

/** `count` more hostages of `category` stay within what its `limit` (null: none) leaves due. */
function beyondDue(
  progress: PhaseInProgress,
  category: string,
  count: number,
  limit: number | null,
  what: 'release' | 'recount',
): Violation | null {
  if (limit === null) return null;
  const already = tableGet(progress.released, category) ?? 0;
  const due = Math.max(0, limit + progress.extensionHostages - already);
  if (count > due) {
    return violation(
      'release.exceedsTerms',
      `${what} of ${count} ${category} exceeds the ${due} still due in phase ${progress.phase}`,
    );
  }
  return null;
}

/** The categories a phase's terms name, each once, in the order they first appear. */
function namedCategories(terms: PhaseTerms): string[] {
  return [...new Set(terms.hostages.map((h) => h.category))];
}

function checkExtension(
  progress: PhaseInProgress,
  event: EventOf<'pause.extended'>,
): Violation | null {
  const rule = progress.terms.extension;
  if (!rule) return null;
  const { days, hostages, prisoners } = event.data;
  const expected = days * rule.hostagesPerDay;
  if (hostages !== undefined && hostages !== expected) {
    return violation(
      'extension.hostagesMismatch',
      `phase ${progress.phase}'s extension rule gives ${rule.hostagesPerDay} hostages a day: ${days} day(s) bring ${expected} hostages, not ${hostages}`,
    );
  }
  if (progress.extensionDays + days > (rule.maxDays ?? Number.POSITIVE_INFINITY)) {
    return violation(
      'extension.tooLong',
      `phase ${progress.phase}'s pause may be extended by ${rule.maxDays} day(s) at most; ${progress.extensionDays} already, ${days} more asked`,
    );
  }
  const ratio = rule.prisonersPerHostage;
  const brought = extensionHostages(progress.terms, event);
  if (ratio !== undefined && prisoners !== undefined && prisoners !== brought * ratio) {
    return violation(
      'extension.prisonersMismatch',
      `phase ${progress.phase}'s extension rule gives ${ratio} prisoners per hostage: ${brought} hostages bring ${brought * ratio} prisoners, not ${prisoners}`,
    );
  }
  return null;
}

function checkCompletion(progress: PhaseInProgress): Violation | null {
  for (const category of namedCategories(progress.terms)) {
    // A category named without a count (null) is not limited: none is required of it.
    const count = tableGet(progress.named, category) ?? 0;
    const released = tableGet(progress.released, category) ?? 0;
    if (released < count) {
      return violation(
        'phase.incomplete',
        `phase ${progress.phase} names ${count} ${category} hostages, but ${released} are released`,
      );
    }
  }
  const baseTotal = progress.namedTotal;
  if (baseTotal !== null) {
    const named = baseTotal + progress.extensionHostages;
    const released = progress.releasedTotal;
    if (released < named) {
      const ext = progress.extensionHostages
        ? ` (${baseTotal} + ${progress.extensionHostages} by extensions)`
        : '';
      return violation(
        'phase.incompleteTotal',
        `phase ${progress.phase} names ${named} hostages${ext}, but ${released} are released`,
      );
    }
  }
  return null;
}
