import { writeFileSync } from 'node:fs';

/** The two shapes of log that once made validation quadratic (issue 11, finding 8). */
export type ScaleShape = 'proposals' | 'categories';

function line(seq: number, type: string, data: unknown): string {
  const at = new Date(Date.UTC(2024, 0, 1) + seq * 1000).toISOString();
  return JSON.stringify({ seq, id: `s${seq}`, type, at, data });
}

const opening = {
  title: 'Scale',
  parties: [
    { id: 'north', name: 'North', role: 'principal' },
    { id: 'south', name: 'South', role: 'principal' },
    { id: 'med', name: 'Mediator', role: 'mediator' },
  ],
};

/**
 * A legal log of `n` proposals, every tenth accepted by one principal (all stay live, those
 * half agreed), then the first agreed and its phase started, released and completed; or one
 * proposal whose phase names `n` categories, each with its own exchange ratio, released in one
 * `release.completed` naming all `n`.
 *
 * @example
 * writeFileSync('big.jsonl', scaleLog('proposals', 100_000));
 */
export function scaleLog(shape: ScaleShape, n: number): string {
  const lines: string[] = [line(1, 'negotiation.opened', opening)];
  const push = (type: string, data: unknown): void => {
    lines.push(line(lines.length + 1, type, data));
  };
  if (shape === 'proposals') {
    const terms = {
      phases: [{ days: 4, hostages: [{ category: 'civilians', count: 1 }] }],
      permanentCeasefire: false,
    };
    for (let i = 0; i < n; i++) push('proposal.sent', { proposalId: `p${i}`, from: 'med', terms });
    // Every tenth accepted by one principal: many half-agreed proposals for the machine to weigh.
    for (let i = 0; i < n; i += 10) push('proposal.accepted', { proposalId: `p${i}`, by: 'north' });
    push('proposal.accepted', { proposalId: 'p0', by: 'south' });
    push('phase.started', { phase: 1 });
    push('release.completed', { phase: 1, hostages: [{ category: 'civilians', count: 1 }] });
    push('phase.completed', { phase: 1 });
  } else {
    const categories = Array.from({ length: n }, (_, i) => `c${i}`);
    const terms = {
      phases: [
        {
          days: 4,
          hostages: categories.map((category) => ({ category, count: 1 })),
          exchange: categories.map((category) => ({ category, prisonersPerHostage: 2 })),
        },
      ],
      permanentCeasefire: false,
    };
    push('proposal.sent', { proposalId: 'p0', from: 'med', terms });
    push('proposal.accepted', { proposalId: 'p0', by: 'north' });
    push('proposal.accepted', { proposalId: 'p0', by: 'south' });
    push('phase.started', { phase: 1 });
    push('release.completed', {
      phase: 1,
      hostages: categories.map((category) => ({ category, count: 1 })),
    });
    push('phase.completed', { phase: 1 });
  }
  return `${lines.join('\n')}\n`;
}

/** Writes {@link scaleLog} to `file`. */
export function writeScaleLog(file: string, shape: ScaleShape, n: number): void {
  writeFileSync(file, scaleLog(shape, n));
}
