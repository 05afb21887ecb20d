/**
 * Every rule the deal machine can find broken, by a stable dotted code: `area.what`. A code
 * never changes meaning; its sentence may be reworded. The README's "Rule codes" table says
 * when each applies.
 */
export const RULE_CODES = [
  // The log as a whole.
  'log.notOpened',
  'log.alreadyOpened',
  'deal.concluded',
  'deal.collapsed',
  // Who may do what.
  'party.notDeclared',
  'party.notPrincipal',
  // Proposals.
  'proposal.duplicate',
  'proposal.replacesUnknown',
  'proposal.replacesClosed',
  'proposal.replacesInForce',
  'proposal.unknown',
  'proposal.notLive',
  'proposal.inForce',
  // Acceptances.
  'acceptance.duplicate',
  'acceptance.phaseDuplicate',
  'acceptance.noSuchPhase',
  // Phases.
  'phase.notNext',
  'phase.notAgreed',
  'phase.stillInProgress',
  'phase.notInProgress',
  'phase.otherInProgress',
  'phase.incomplete',
  'phase.incompleteTotal',
  // Releases and recounts.
  'release.categoryNotNamed',
  'release.exceedsTerms',
  'release.exceedsTotal',
  'recount.exceedsOutside',
  // After a permanent ceasefire: only late remains.
  'release.afterConclusion',
  // Extensions of the pause.
  'extension.hostagesMismatch',
  'extension.tooLong',
  'extension.prisonersMismatch',
  // Aid, talks, fighting.
  'aid.phaseNotStarted',
  'talks.suspended',
  'talks.alreadySuspended',
  'talks.notNegotiating',
  'talks.notSuspended',
  'hostilities.noPause',
  // Inside a ceasefire (catalogue v2).
  'flareup.noCeasefire',
  'ceasefire.notStrained',
  'remains.phaseNotStarted',
  // Time: an event dated before what it depends on.
  'time.beforePhaseStart',
  'time.beforeProposal',
] as const;

/** A rule of the deal, as {@link RULE_CODES} lists them. */
export type RuleCode = (typeof RULE_CODES)[number];

/** A broken rule: its code, and the sentence that says what broke it. */
export interface Violation {
  rule: RuleCode;
  message: string;
}

/** Whether `value` is one of the {@link RULE_CODES}. */
export function isRuleCode(value: string): value is RuleCode {
  return (RULE_CODES as readonly string[]).includes(value);
}

/** The {@link Violation} of `rule`, said by `message`. */
export function violation(rule: RuleCode, message: string): Violation {
  return { rule, message };
}
