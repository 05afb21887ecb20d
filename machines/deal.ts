import { produce } from 'immer';
import { assign, setup } from 'xstate';
import type { TruceEvent } from '../events/index.js';
import {
  agreedProposalFor,
  type DealContext,
  evolveDealContext,
  initialDealContext,
  nextPhase,
  proposalOnTable,
} from './context.js';
import { checkEvent } from './rules.js';

const legal = { guard: 'legal', actions: 'apply' } as const;

/** Events every opened negotiation accepts, whatever the state (DESIGN §4, "any time"). */
const anyTime = {
  'aid.delivered': legal,
  'violation.reported': legal,
  'hostages.counted': legal,
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
    legal: ({ context, event }) => checkEvent(context, event) === null,
    pauseHolding: ({ context, event }) =>
      context.pauseHolding && checkEvent(context, event) === null,
    nextPhaseAgreed: ({ context }) => agreedProposalFor(context, nextPhase(context)) !== undefined,
    proposalOnTable: ({ context }) => proposalOnTable(context),
    noProposalOnTable: ({ context }) => !proposalOnTable(context),
    noNextPhaseAgreed: ({ context }) =>
      agreedProposalFor(context, nextPhase(context)) === undefined,
    concludesDeal: ({ context, event }) => {
      if (event.type !== 'phase.completed' || checkEvent(context, event) !== null) return false;
      const progress = context.inProgress;
      const proposal = context.proposals.find((p) => p.proposalId === progress?.proposalId);
      return (
        proposal?.terms.permanentCeasefire === true &&
        proposal.terms.phases.length === event.data.phase
      );
    },
  },
  actions: {
    apply: assign(({ context, event }) =>
      produce(context, (draft) => {
        evolveDealContext(draft, event);
      }),
    ),
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
        'hostilities.resumed': { guard: 'pauseHolding', target: 'collapsed', actions: 'apply' },
      },
    },
    agreed: {
      always: { guard: 'noNextPhaseAgreed', target: 'negotiating' },
      on: {
        ...anyTime,
        ...talks,
        'phase.started': { target: 'inPhase', ...legal },
        'hostilities.resumed': { target: 'collapsed', ...legal },
      },
    },
    inPhase: {
      on: {
        ...anyTime,
        ...talks,
        'release.completed': legal,
        'release.recounted': legal,
        'pause.extended': legal,
        'phase.completed': [
          { guard: 'concludesDeal', target: 'concluded', actions: 'apply' },
          { target: 'negotiating', ...legal },
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
    concluded: { type: 'final' },
  },
});

/** The deal machine's type, for typed snapshots and actors. */
export type DealMachine = typeof dealMachine;
