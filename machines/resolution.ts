import type { PhaseTerms, TruceEvent } from '../events/index.js';
import type { AidTerms } from './aid.js';
import type { ProposalStatus } from './context.js';
import type { ObligationDue } from './obligations.js';

/**
 * What the machine resolved when it took an event: the facts the rules establish, computed once
 * in machines/ and handed to the projections with the event, so that no projection works out
 * an agreement or a limit again. Proposals are named by `order` (0 for the first sent).
 */
export type Resolution =
  | { type: 'proposal.sent'; proposal: number; superseded: number | null }
  | {
      type: 'proposal.accepted' | 'phase.accepted' | 'proposal.rejected';
      proposal: number;
      /** The proposal's status after the event. */
      status: ProposalStatus;
    }
  | {
      type: 'phase.started';
      phase: number;
      /** Which start of a phase this is, from 0. */
      attempt: number;
      /** The proposal in force: the first sent of those every principal accepted the phase from. */
      proposal: number;
      proposalId: string;
      terms: PhaseTerms;
      permanentCeasefire: boolean;
      /** Hostages the phase's terms name in all; null when a count is left open. */
      hostagesNamed: number | null;
      /** Prisoners the phase's fixed lists (`prisonerTotals`) owe. */
      prisonersFixed: number;
      /** The obligations its terms state (and its schedule's rounds), deadlines resolved. */
      obligations: ObligationDue[];
      /** The aid its terms owe per region each day. */
      aid: AidTerms[];
    }
  | {
      type: 'aid.delivered';
      /** The phase attempt in force the aid counts toward; null when none is (or another phase is named). */
      attempt: number | null;
    }
  | {
      type: 'release.completed' | 'release.recounted';
      /** The phase attempt the hostages count toward. */
      attempt: number;
      /** Prisoners the agreed ratios owe for the hostages counted by this event (whole). */
      prisonersDue: number;
      /** Remains the other side owes for the deceased hostages counted by this event (whole). */
      remainsDue: number;
    }
  | {
      type: 'pause.extended';
      attempt: number;
      /** Hostages the extension brings (as stated, else by the phase's rule). */
      hostages: number;
    }
  | { type: 'phase.completed'; attempt: number; concluded: boolean }
  | {
      type: 'hostilities.resumed';
      /** The proposals that lapsed, in the order they were sent. */
      lapsed: number[];
      /** The phase attempt the fighting ended, if one was in progress. */
      ended: number | null;
    };

/** An event the machine took, with what it resolved (null for an event that settles nothing). */
export interface DecidedEvent {
  event: TruceEvent;
  resolution: Resolution | null;
}

/** The member of {@link Resolution} for events of `type`. */
export type ResolutionFor<T extends Resolution['type']> = Resolution extends infer R
  ? R extends { type: infer U }
    ? T extends U
      ? R
      : never
    : never
  : never;

/** The resolution of `decided` for an event of `type`, which the machine must have given. */
export function resolutionOf<T extends Resolution['type']>(
  decided: DecidedEvent,
  type: T,
): ResolutionFor<T> {
  const resolution = decided.resolution;
  if (resolution === null || resolution.type !== type) {
    throw new Error(
      `seq ${decided.event.seq} (${decided.event.type}) has no ${type} resolution from the machine`,
    );
  }
  return resolution as ResolutionFor<T>;
}
