import { and, assign, not, setup } from 'xstate';
import type { TruceEvent } from '../events/index.js';
import {
  concludesDeal,
  type DealContext,
  evolveDealContext,
  initialDealContext,
  nextPhase,
  phaseAgreed,
  proposalOnTable,
} from './context.js';
import { checkEvent } from './rules.js';
import { wholeContext } from './wholeContext.js';

const legal = { guard: 'legal', actions: 'apply' } as const;

/**
 * Events every opened negotiation accepts, whatever the state (DESIGN §4, "any time"), with the
 * facts catalogue v2 adds that record the world and reopen nothing: remains returned by the
 * other side, a principal's public demand, a withdrawal, talks begun.
 */
const anyTime = {
  'aid.delivered': legal,
  'violation.reported': legal,
  'hostages.counted': legal,
  'remains.returned': legal,
  'demand.stated': legal,
  'forces.withdrawn': legal,
  'talks.started': legal,
} as const;

/**
 * Fighting inside a ceasefire that does not end it, and its restoration: taken wherever a
 * ceasefire can hold (the `legal` guard checks one does, and that a restoration follows a
 * flare-up). The strain is the context's `strained` flag, not a state, so every state path of a
 * v1 log stays what it was.
 */
const inCeasefire = {
  'flareup.reported': legal,
  'ceasefire.restored': legal,
} as const;

/** Events that keep talks going on the current or next phases. */
const talks = {
  'proposal.sent': legal,
  'proposal.accepted': legal,
  'phase.accepted': legal,
  'proposal.rejected': legal,
} as const;

/**
 * The deal statechart (DESIGN §5): negotiating ⇄ agreed → inPhase → … → concluded, or
 * collapsed when fighting resumes. Phases are data: one `inPhase` state, the phase number in
 * context. Every transition checks the context rules with the `legal` guard; an event no
 * state takes is not ignored by replay but reported as rejected.
 *
 * @example
 * const actor = createActor(dealMachine).start();
 * actor.send(openedEvent);
 * actor.getSnapshot().value; // { negotiating: 'awaitingProposal' }
 */
export const dealMachine = setup({
  types: {
    context: {} as DealContext,
    events: {} as TruceEvent,
  },
  guards: {
    /** The one guard of the context rules: every transition an event takes passes it. */
    legal: ({ context, event }) => checkEvent(context, event) === null,
    pauseHolding: ({ context }) => context.pauseHolding,
    nextPhaseAgreed: ({ context }) => phaseAgreed(context, nextPhase(context)),
    proposalOnTable: ({ context }) => proposalOnTable(context),
    noProposalOnTable: ({ context }) => !proposalOnTable(context),
    noNextPhaseAgreed: ({ context }) => !phaseAgreed(context, nextPhase(context)),
    concludesDeal: ({ context, event }) =>
      event.type === 'phase.completed' && concludesDeal(context, event.data.phase),
  },
  actions: {
    // The whole next context (every key, in order): the executor takes it without a merge.
    apply: assign(({ context, event }) => wholeContext(evolveDealContext(context, event))),
  },
}).createMachine({
  id: 'deal',
  context: initialDealContext,
  initial: 'unopened',
  states: {
    unopened: {
      on: { 'negotiation.opened': { target: 'negotiating', ...legal } },
    },
    negotiating: {
      initial: 'awaitingProposal',
      states: {
        awaitingProposal: {
          always: [
            { guard: 'nextPhaseAgreed', target: '#deal.agreed' },
            { guard: 'proposalOnTable', target: 'proposalOnTable' },
          ],
          on: { ...talks, 'talks.suspended': { target: 'suspended', ...legal } },
        },
        proposalOnTable: {
          always: [
            { guard: 'nextPhaseAgreed', target: '#deal.agreed' },
            { guard: 'noProposalOnTable', target: 'awaitingProposal' },
          ],
          on: { ...talks, 'talks.suspended': { target: 'suspended', ...legal } },
        },
        suspended: {
          on: { 'talks.resumed': { target: 'awaitingProposal', ...legal } },
        },
      },
      on: {
        ...anyTime,
        ...inCeasefire,
        'hostilities.resumed': {
          guard: and(['pauseHolding', 'legal']),
          target: 'collapsed',
          actions: 'apply',
        },
      },
    },
    agreed: {
      always: { guard: 'noNextPhaseAgreed', target: 'negotiating' },
      on: {
        ...anyTime,
        ...inCeasefire,
        ...talks,
        'phase.started': { target: 'inPhase', ...legal },
        'hostilities.resumed': { target: 'collapsed', ...legal },
      },
    },
    inPhase: {
      on: {
        ...anyTime,
        ...inCeasefire,
        ...talks,
        'release.completed': legal,
        'release.recounted': legal,
        'pause.extended': legal,
        // `concludesDeal` (cheap) picks the branch before `legal` runs: the rules are checked
        // once for a completion, taken or refused.
        'phase.completed': [
          { guard: and(['concludesDeal', 'legal']), target: 'concluded', actions: 'apply' },
          { guard: and([not('concludesDeal'), 'legal']), target: 'negotiating', actions: 'apply' },
        ],
        'hostilities.resumed': { target: 'collapsed', ...legal },
      },
    },
    collapsed: {
      on: {
        ...anyTime,
        'proposal.sent': { target: 'negotiating', ...legal },
      },
    },
    // A permanent ceasefire ends the deal, not the world: what happens after it is still
    // recorded, late remains of deceased hostages included (the `legal` guard takes a release
    // of remains only); events that would reopen the deal (proposals, phases, fighting) are refused.
    concluded: { on: { ...anyTime, ...inCeasefire, 'release.completed': legal } },
  },
});

/** The deal machine's type, for typed snapshots and actors. */
export type DealMachine = typeof dealMachine;
