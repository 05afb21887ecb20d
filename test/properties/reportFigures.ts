import type { ReplayReport } from '../../projections/index.js';
import type { ExpectedFigures } from './oracles/index.js';

/**
 * The part of a report the oracle computes, in the oracle's shape: every figure of "The JSON
 * report" but the positions, stances and sticking points (and the terms and proposals' details,
 * which are the log's own), with an obligation's deadline as an instant (epoch milliseconds), since
 * how the machine writes it (the phase start's zone, to the second) is presentation.
 */
export function reportFiguresOf(report: ReplayReport): ExpectedFigures {
  return {
    seq: report.seq,
    at: report.at,
    state: report.state,
    phase: report.phase,
    hostages: {
      releasedUnderDeal: report.hostages.releasedUnderDeal,
      releasedAlive: report.hostages.releasedAlive,
      bodiesReturned: report.hostages.bodiesReturned,
      releasedOutsideDeal: report.hostages.releasedOutsideDeal,
      releasedTotal: report.hostages.releasedTotal,
      held: report.hostages.held,
      remaining: report.hostages.remaining,
      byCategory: report.hostages.byCategory,
      outsideDealByGroup: report.hostages.outsideDealByGroup,
      byPhase: report.hostages.byPhase,
      stillHeld: report.hostages.stillHeld,
    },
    prisoners: report.prisoners,
    aid: report.aid,
    pause: report.pause,
    proposals: report.proposals.map((p) => ({ proposalId: p.proposalId, status: p.status })),
    violations: report.violations,
    remains: report.remains,
    obligations: report.obligations.map((o) => ({
      phase: o.phase,
      party: o.party,
      what: o.what,
      category: o.category,
      count: o.count,
      line: o.line,
      talksOn: o.talksOn,
      due: o.due === null ? null : Date.parse(o.due),
      round: o.round,
      attempt: o.attempt,
      fulfilled: o.fulfilled,
      metAt: o.metAt,
      status: o.status,
    })),
    asOf: report.asOf,
    ceasefire: report.ceasefire,
    flareUps: report.flareUps,
    violationsAgainst: report.violationsAgainst,
    demands: report.demands,
  };
}
