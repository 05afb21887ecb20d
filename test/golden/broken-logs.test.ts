import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORMAT_CODES, RejectedEventError, ValidationError } from '../../events/index.js';
import { RULE_CODES } from '../../machines/index.js';
import { replayLog } from '../../replay/index.js';
import { brokenDir } from './brokenLogs.js';

/**
 * The sentence of each code, pinned here once (other tests match codes, not words). A RegExp
 * where part of the sentence is Node's own JSON.parse wording.
 */
const sentences: Record<string, string | RegExp> = {
  'log.notOpened': 'a log must begin with negotiation.opened',
  'log.alreadyOpened':
    'the negotiation is already open (negotiation.opened is taken only in unopened)',
  'deal.concluded':
    'the negotiation has concluded with a permanent ceasefire; a proposal.sent would reopen it (only release.completed of remains, aid.delivered, violation.reported, hostages.counted, flareup.reported, ceasefire.restored, remains.returned, demand.stated, forces.withdrawn, talks.started can follow)',
  'flareup.noCeasefire':
    'a flare-up is fighting inside a ceasefire, and no ceasefire is in force (fighting outside one is hostilities.resumed or violation.reported)',
  'ceasefire.notStrained': 'the ceasefire can be restored only after a flare-up, and none is open',
  'remains.phaseNotStarted': 'remains are reported for phase 1, but no phase has started',
  'time.beforePhaseStart':
    'a release.completed of phase 1 is dated 2024-01-01T04:30:00.000Z, before the phase started (2024-01-01T05:00:00.000Z)',
  'time.beforeProposal':
    'a proposal.accepted of proposal p1 is dated 2024-01-01T01:30:00.000Z, before the proposal was sent (2024-01-01T02:00:00.000Z)',
  'deal.collapsed':
    'fighting has resumed; a new proposal.sent must put terms back on the table first (proposal.accepted is taken in negotiating.awaitingProposal, negotiating.proposalOnTable, agreed, inPhase)',
  'party.notDeclared':
    'party egypt was not declared when the negotiation opened (declared: israel, hamas, qatar, thailand)',
  'party.notPrincipal': 'only principals (israel, hamas) may accept; qatar is a mediator',
  'proposal.duplicate': 'proposal p1 was already sent',
  'proposal.replacesUnknown': 'proposal p0, which this one replaces, was never sent',
  'proposal.replacesClosed': 'proposal p1 is already rejected',
  'proposal.replacesInForce':
    'proposal p1 is in force (phase 1 in progress) and cannot be replaced until the phase ends',
  'proposal.unknown': 'proposal p9 was never sent',
  'proposal.notLive': 'proposal p1 is superseded, not live',
  'proposal.inForce': 'proposal p1 is in force (phase 1 in progress)',
  'acceptance.duplicate': 'israel already accepted proposal p1',
  'acceptance.phaseDuplicate': 'israel already accepted phase 1 of proposal p1',
  'acceptance.noSuchPhase': 'proposal p1 has 2 phase(s), not a phase 3',
  'phase.notNext': 'the next phase is 1, not 2',
  'phase.notAgreed':
    "phase 1 needs every principal's acceptance (israel, hamas) of one live proposal: p1 lacks hamas (phase.started is taken only in agreed)",
  'phase.stillInProgress': 'phase 1 is still in progress (phase.started is taken only in agreed)',
  'phase.notInProgress':
    'a release.completed needs a phase in progress, and no phase has started (release.completed is taken in inPhase, concluded)',
  'phase.otherInProgress': 'phase 2 is not in progress (phase 1 is)',
  'phase.incomplete': 'phase 1 names 50 women-and-children hostages, but 49 are released',
  'phase.incompleteTotal': 'phase 1 names 60 hostages (50 + 10 by extensions), but 50 are released',
  'release.categoryNotNamed':
    "phase 1's terms name no soldiers hostages (they name: women-and-children)",
  'release.exceedsTerms': 'release of 11 women-and-children exceeds the 10 still due in phase 1',
  'release.exceedsTotal':
    'release brings the hostages counted in phase 1 to 6, more than the 5 its terms and extensions name',
  'release.afterConclusion':
    'after the permanent ceasefire a release can only return remains of deceased hostages (deceased: true or category bodies); this one releases 2 living soldiers',
  'recount.exceedsOutside':
    'recount of 2 hostage(s) exceeds the 1 released outside the deal and not yet counted under it',
  'extension.hostagesMismatch':
    "phase 1's extension rule gives 10 hostages a day: 2 day(s) bring 20 hostages, not 15",
  'extension.tooLong':
    "phase 1's pause may be extended by 3 day(s) at most; 2 already, 2 more asked",
  'extension.prisonersMismatch':
    "phase 1's extension rule gives 3 prisoners per hostage: 10 hostages bring 30 prisoners, not 20",
  'aid.phaseNotStarted': 'aid is reported for phase 1, but no phase has started',
  'talks.suspended':
    'talks are suspended; a talks.resumed must come first (proposal.sent is taken in negotiating.awaitingProposal, negotiating.proposalOnTable, agreed, inPhase, collapsed)',
  'talks.alreadySuspended':
    'talks are already suspended (talks.suspended is taken in negotiating.awaitingProposal, negotiating.proposalOnTable)',
  'talks.notNegotiating':
    'talks can be suspended only while negotiating (talks.suspended is taken in negotiating.awaitingProposal, negotiating.proposalOnTable)',
  'talks.notSuspended':
    'talks are not suspended (talks.resumed is taken only in negotiating.suspended)',
  'hostilities.noPause':
    'fighting can only resume while a pause is agreed, in force or holding after a completed phase, and none is (hostilities.resumed is taken in negotiating.awaitingProposal, negotiating.proposalOnTable, negotiating.suspended, agreed, inPhase)',
  'format.utf8': 'expected UTF-8 text, found invalid bytes',
  'format.blank': 'expected an event, found a blank line (remove it; blank lines are not allowed)',
  'format.json': /^not valid JSON: \S/,
  'format.tooLong': 'expected a line of at most 400 bytes, found a longer one',
  'format.torn':
    /^incomplete \(torn\) last line: it has no line end and is not a whole event \(.+\); was the writer interrupted\?$/,
  'format.schema': 'data.trucks: expected a number ≥ 0, found -1',
  'format.seq': 'seq: expected seq 2, found 3 (a gap: seq 2 missing)',
  'format.id': 'id: expected a unique id, found "e1" already used on line 1',
};

function lineCount(file: string): number {
  return readFileSync(file, 'utf8').trimEnd().split('\n').length;
}

const codes: readonly string[] = [...RULE_CODES, ...FORMAT_CODES];

describe('every rule code', () => {
  it('has a broken log named after it and a pinned sentence, and nothing else does', () => {
    const files = readdirSync(brokenDir)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => f.slice(0, -'.jsonl'.length));
    // format.tooLong needs a 64 MiB line: its log breaks a lowered limit of 400 bytes on line 2.
    expect(new Set(files)).toEqual(new Set(codes));
    expect(new Set(Object.keys(sentences))).toEqual(new Set(codes));
    expect(codes).toHaveLength(new Set(codes).size);
  });

  it.each(codes)('%s: its broken log is refused by that rule, in its sentence', async (code) => {
    const file = join(brokenDir, `${code}.jsonl`);
    const error = await replayLog(file, code === 'format.tooLong' ? { maxLineBytes: 400 } : {})
      .then(() => null)
      .catch((e: unknown) => e);
    const expected = sentences[code] as string | RegExp;
    if (code.startsWith('format.')) {
      expect(error).toBeInstanceOf(ValidationError);
      const refused = error as ValidationError;
      expect(refused.rule).toBe(code);
      expect(refused.position.line).toBe(2);
      if (typeof expected === 'string') expect(refused.reason).toBe(expected);
      else expect(refused.reason).toMatch(expected);
    } else {
      expect(error).toBeInstanceOf(RejectedEventError);
      const refused = error as RejectedEventError;
      expect(refused.rule).toBe(code);
      // The rule breaks on the last line: every line before it is legal.
      expect(refused.position.line).toBe(lineCount(file));
      expect(refused.reason).toBe(expected);
    }
  });
});
