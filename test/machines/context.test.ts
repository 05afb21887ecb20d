import { describe, expect, it } from 'vitest';
import { decodeEvent, type TruceEvent } from '../../events/index.js';
import {
  agreedProposalFor,
  checkEvent,
  concludesDeal,
  type DecidedEvent,
  evolveDealContext,
  findProposal,
  listProposals,
  resolutionOf,
  statePath,
} from '../../machines/index.js';
import { Replayer } from '../../replay/index.js';
import { type EventInput, given } from '../../testing/index.js';
import {
  accept,
  acceptPhase,
  agreed,
  complete,
  extend,
  inPhase1,
  opened,
  phase1Done,
  release,
  resumed,
  sent,
  start,
} from './fixtures.js';

/**
 * What the machine knows between events (its context, public through `Replayer.context`) and
 * what it resolves for each: expectations from the README's rules and docs/decisions.md.
 */

function toEvent(input: EventInput, seq: number): TruceEvent {
  const decoded = decodeEvent({
    seq,
    id: `e${seq}`,
    at: new Date(Date.UTC(2024, 0, 1) + seq * 3_600_000).toISOString(),
    ...input,
  });
  if (!decoded.ok) throw new Error(`event ${seq} (${input.type}) is not valid`);
  return decoded.value;
}

/** A replayer after `inputs`, and what the machine resolved for each. */
function replay(inputs: readonly EventInput[]): { replayer: Replayer; decided: DecidedEvent[] } {
  const replayer = new Replayer();
  const decided = inputs.map((input, i) => replayer.apply(toEvent(input, i + 1)));
  return { replayer, decided };
}

const proposal = (
  proposalId: string,
  phase: Record<string, unknown>,
  permanentCeasefire = false,
): EventInput =>
  ({
    type: 'proposal.sent',
    data: {
      proposalId,
      from: 'qatar',
      terms: { phases: [{ days: 5, ...phase }], permanentCeasefire },
    },
  }) as EventInput;

const agreedOn = (p: EventInput): EventInput[] => {
  const id = (p.data as { proposalId: string }).proposalId;
  return [opened, p, accept('israel', id), accept('hamas', id), start(1)];
};

const flareUp = {
  type: 'flareup.reported',
  data: { by: 'hamas', against: 'israel', description: 'rockets' },
} as EventInput;
const restored = { type: 'ceasefire.restored', data: { by: 'qatar' } } as EventInput;

describe('the proposals the context holds', () => {
  it('before any proposal, the list is empty and no phase is agreed or concluded', () => {
    const { replayer } = replay([opened]);
    expect(listProposals(replayer.context)).toEqual([]);
    expect(agreedProposalFor(replayer.context, 1)).toBeUndefined();
    expect(concludesDeal(replayer.context, 1)).toBe(false);
  });

  it('the proposal in force for a phase: the first sent of those agreed', () => {
    const { replayer } = replay([
      ...agreed,
      sent('p2'),
      accept('israel', 'p2'),
      accept('hamas', 'p2'),
    ]);
    expect(agreedProposalFor(replayer.context, 1)?.proposalId).toBe('p1');
    expect(agreedProposalFor(replayer.context, 2)?.proposalId).toBe('p1');
    expect(agreedProposalFor(replayer.context, 3)).toBeUndefined();
  });

  it('a superseded proposal holds no acceptances any more', () => {
    const { replayer } = replay([
      opened,
      sent(),
      accept('israel'),
      acceptPhase('hamas', 1),
      sent('p2', { replaces: 'p1' }),
    ]);
    const p1 = findProposal(replayer.context, 'p1');
    expect(p1?.status).toBe('superseded');
    expect(p1?.acceptedAll).toEqual([]);
    expect([...listProposals(replayer.context).map((p) => p.proposalId)]).toEqual(['p1', 'p2']);
  });

  it('rejecting the only proposal leaves the talks awaiting one; replacing the agreed one reopens them', () => {
    given([opened, sent()])
      .when({ type: 'proposal.rejected', data: { proposalId: 'p1', by: 'hamas' } })
      .thenState('negotiating.awaitingProposal');
    given(agreed)
      .when(sent('p2', { replaces: 'p1' }))
      .thenState('negotiating.proposalOnTable');
  });

  it('fighting that resumes ends the phase attempt in progress (its aid stops being owed), none between phases', () => {
    const ended = (inputs: readonly EventInput[]) =>
      resolutionOf(
        replay([...inputs, resumed]).decided.at(-1) as DecidedEvent,
        'hostilities.resumed',
      ).ended;
    expect(ended(inPhase1)).toBe(0);
    expect(ended(phase1Done)).toBeNull();
    // The second attempt (byPhase index 1): an index that is not 0 must not read as "none".
    expect(ended([...phase1Done, start(2)])).toBe(1);
  });

  it('when fighting resumes, every open proposal lapses, listed in the order sent', () => {
    // More than a table leaf holds (32): the open proposals are stored in no particular order.
    const many = Array.from({ length: 40 }, (_, i) => sent(`q${i}`));
    const { decided } = replay([...agreed, ...many, start(1), resumed]);
    expect(resolutionOf(decided.at(-1) as DecidedEvent, 'hostilities.resumed').lapsed).toEqual(
      Array.from({ length: 41 }, (_, i) => i),
    );
  });
});

describe('hostages and what they owe', () => {
  it('a category named twice, once without a count, is not limited', () => {
    given(
      agreedOn(
        proposal('open', {
          hostages: [{ category: 'elderly' }, { category: 'elderly', count: 5 }],
        }),
      ),
    )
      .when(release(10, 1, 'elderly'))
      .thenState('inPhase');
  });

  it('an exchange naming a category twice owes by its first ratio', () => {
    given(
      agreedOn(
        proposal('twice', {
          hostages: [{ category: 'women', count: 10 }],
          exchange: [
            { category: 'women', prisonersPerHostage: 3 },
            { category: 'women', prisonersPerHostage: 10 },
          ],
        }),
      ),
    )
      .when(release(2, 1, 'women'))
      .thenReport((r) => expect(r.prisoners.due).toBe(6));
  });

  it('remains are owed for deceased hostages only, and add up over releases', () => {
    const terms = proposal('remains', {
      hostages: [
        { category: 'living', count: 5 },
        { category: 'bodies', count: 5 },
      ],
      remainsPerDeceasedHostage: 15,
    });
    const bodies = (count: number): EventInput => ({
      type: 'release.completed',
      data: { phase: 1, hostages: [{ category: 'bodies', count }] },
    });
    const { replayer, decided } = replay([
      ...agreedOn(terms),
      release(2, 1, 'living'),
      bodies(1),
      bodies(2),
    ]);
    expect(decided.slice(-3).map((d) => resolutionOf(d, 'release.completed').remainsDue)).toEqual([
      0, 15, 30,
    ]);
    expect(replayer.report().remains.due).toBe(45);
    expect(replayer.context.inProgress?.deceasedReleased).toBe(3);
  });

  it('a release naming several categories owes per category on what each had before, and remains for its deceased', () => {
    // 2.5 prisoners a woman, 10 a soldier, rounded half up on each category's whole count
    // (README, "Due is whole"); 15 remains a deceased hostage, `deceased` or of `bodies`.
    const terms = proposal('mixed', {
      hostages: [
        { category: 'women', count: 10 },
        { category: 'soldiers', count: 5 },
        { category: 'bodies', count: 4 },
      ],
      exchange: [
        { category: 'women', prisonersPerHostage: 2.5 },
        { category: 'soldiers', prisonersPerHostage: 10 },
      ],
      remainsPerDeceasedHostage: 15,
    });
    const { replayer, decided } = replay([
      ...agreedOn(terms),
      // 1 woman: 2.5 rounds to 3.
      release(1, 1, 'women'),
      {
        type: 'release.completed',
        data: {
          phase: 1,
          hostages: [
            { category: 'women', count: 2 },
            { category: 'soldiers', count: 1 },
            { category: 'women', count: 1, deceased: true },
            { category: 'bodies', count: 2 },
          ],
        },
      },
    ]);
    // Women: 4 in all owe 10, less the 3 owed for the first: 7; a soldier 10. Deceased: the
    // woman so marked and the 2 bodies, 3 × 15.
    expect(
      decided.slice(-2).map((d) => {
        const { prisonersDue, remainsDue } = resolutionOf(d, 'release.completed');
        return [prisonersDue, remainsDue];
      }),
    ).toEqual([
      [3, 0],
      [17, 45],
    ]);
    expect(replayer.report().prisoners.due).toBe(20);
    expect(replayer.report().remains.due).toBe(45);
    expect(replayer.context.inProgress?.deceasedReleased).toBe(3);
  });

  it('a phase whose terms leave a count open completes whatever was released, extensions included', () => {
    given([
      ...agreedOn(
        proposal('open', {
          hostages: [{ category: 'elderly' }],
          extension: { hostagesPerDay: 10 },
        }),
      ),
      extend(1),
      release(3, 1, 'elderly'),
    ])
      .when(complete(1))
      .thenState('negotiating');
  });
});

describe('after a permanent ceasefire', () => {
  it('late remains count toward the deal’s last phase, and no phase is in progress again', () => {
    const remains = (count: number): EventInput => ({
      type: 'release.completed',
      data: { phase: 2, hostages: [{ category: 'soldiers', count, deceased: true }] },
    });
    const { replayer } = replay([
      ...phase1Done,
      start(2),
      release(20, 2, 'soldiers'),
      complete(2),
      remains(1),
      remains(2),
    ]);
    expect(replayer.state).toBe('concluded');
    expect(replayer.context.inProgress).toBeNull();
    expect(replayer.context.concludedPhase).toMatchObject({
      phase: 2,
      releasedTotal: 23,
      deceasedReleased: 3,
    });
  });
});

describe('the pause and the ceasefire', () => {
  it('a new phase takes over from the pause of the one before', () => {
    const { replayer } = replay([...phase1Done]);
    expect(replayer.context.pauseHolding).toBe(true);
    replayer.apply(toEvent(start(2), phase1Done.length + 1));
    expect(replayer.context.pauseHolding).toBe(false);
  });

  it('after a collapse no pause holds: a new proposal does not let fighting resume again', () => {
    given([...phase1Done, resumed, sent('p2')])
      .when({ type: 'hostilities.resumed', data: { by: 'hamas' } })
      .thenRejected('hostilities.noPause');
  });

  it('a collapse ends an open flare-up with the ceasefire: nothing is left to restore', () => {
    given([...inPhase1, flareUp, resumed, sent('p2')])
      .when(restored)
      .thenRejected('ceasefire.notStrained');
  });

  it('a restoration ends the strain: a second one is refused, the phase goes on', () => {
    given([...inPhase1, flareUp, restored])
      .when(restored)
      .thenRejected('ceasefire.notStrained');
    given([...inPhase1, flareUp, restored])
      .when(release(50))
      .thenReport((r) => expect(r.ceasefire).toEqual({ strained: false, flareUps: 1 }));
  });
});

describe('the machine’s functions called alone', () => {
  it('evolveDealContext, handed an event naming nothing it holds, settles nothing', () => {
    const { replayer } = replay([opened]);
    const ctx = replayer.context;
    const settles = (input: EventInput) => {
      const after = evolveDealContext(ctx, toEvent(input, 9));
      expect(after.resolution, input.type).toBeNull();
      expect({ ...after, seq: ctx.seq, at: ctx.at }, input.type).toEqual(ctx);
    };
    settles(accept('israel', 'nope'));
    settles(acceptPhase('israel', 1, 'nope'));
    settles({ type: 'proposal.rejected', data: { proposalId: 'nope', by: 'hamas' } });
    settles(start(1));
    settles(release(1));
    settles(extend(1, 10));
  });

  it('checkEvent refuses a phase event when no phase is in progress', () => {
    const { replayer } = replay([opened]);
    expect(checkEvent(replayer.context, toEvent(release(1), 2))).toEqual({
      rule: 'phase.notInProgress',
      message: 'phase 1 is not in progress',
    });
  });

  it('resolutionOf refuses a resolution of another kind than asked', () => {
    const { decided } = replay(agreed);
    const last = decided.at(-1) as DecidedEvent;
    expect(resolutionOf(last, 'proposal.accepted').status).toBe('accepted');
    expect(() => resolutionOf(last, 'phase.started')).toThrow(
      'seq 4 (proposal.accepted) has no phase.started resolution from the machine',
    );
  });

  it('statePath writes a state value as a dotted path', () => {
    expect(statePath('agreed')).toBe('agreed');
    expect(statePath({ negotiating: 'suspended' })).toBe('negotiating.suspended');
    expect(statePath({ inPhase: undefined } as never)).toBe('inPhase');
    expect(statePath({})).toBe('');
  });
});
