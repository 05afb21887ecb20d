import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { truce } from './truce.js';

const dir = mkdtempSync(join(tmpdir(), 'truce-replay-'));
const nov = 'examples/november-2023.jsonl';

function line(seq: number, type: string, data: unknown): string {
  return JSON.stringify({
    seq,
    id: `t${seq}`,
    type,
    at: `2024-01-0${Math.min(seq, 9)}T10:00:00Z`,
    data,
  });
}

const opening = line(1, 'negotiation.opened', {
  title: 'Hand-written deal',
  parties: [
    { id: 'israel', name: 'Israel', role: 'principal' },
    { id: 'hamas', name: 'Hamas', role: 'principal' },
    { id: 'qatar', name: 'Qatar', role: 'mediator' },
  ],
});
const proposal = line(2, 'proposal.sent', {
  proposalId: 'p1',
  from: 'qatar',
  terms: {
    phases: [
      {
        days: 4,
        hostages: [{ category: 'women', count: 10 }],
        exchange: [{ category: 'women', prisonersPerHostage: 3 }],
      },
    ],
    permanentCeasefire: false,
  },
});

function write(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('truce replay', () => {
  it('prints where the November 2023 truce stands', () => {
    const run = truce(['replay', nov]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/State\s+collapsed/);
    expect(run.stdout).toMatch(/released in total\s+105/);
    expect(run.stdout).toMatch(/released under the deal\s+80/);
    expect(run.stdout).toMatch(/due by the terms\s+240/);
  });

  it('--json gives the contract keys with the figures', () => {
    const run = truce(['replay', nov, '--json']);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    for (const key of [
      'seq',
      'at',
      'state',
      'phase',
      'hostages',
      'prisoners',
      'aid',
      'pause',
      'terms',
      'proposals',
      'positions',
      'stickingPoints',
    ]) {
      expect(report).toHaveProperty(key);
    }
    expect(report).toMatchObject({
      state: 'collapsed',
      hostages: { releasedTotal: 105, releasedUnderDeal: 80, releasedOutsideDeal: 25 },
      prisoners: { released: 240, due: 240 },
      pause: { days: 7, extensions: 2 },
    });
    expect(report).toEqual(
      JSON.parse(readFileSync('examples/november-2023.expected.json', 'utf8')),
    );
  });

  it('names the sticking points of the 2024 talks in words', () => {
    const run = truce(['replay', 'examples/talks-2024.jsonl']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/end of the war\s+Israel no vs Hamas yes/);
    expect(run.stdout).toMatch(/pause, days\s+Israel 60 vs Hamas 135/);
  });

  it('is deterministic byte for byte', () => {
    expect(truce(['replay', nov, '--json']).stdout).toBe(truce(['replay', nov, '--json']).stdout);
  });

  it('--until and --at travel back in time', () => {
    const until = JSON.parse(truce(['replay', nov, '--json', '--until', '5']).stdout);
    expect(until).toMatchObject({ seq: 5, state: 'inPhase', phase: 1 });
    const at = JSON.parse(truce(['replay', nov, '--json', '--at', '2023-11-23']).stdout);
    expect(at.state).toBe('agreed');
    expect(at.hostages.releasedTotal).toBe(0);
  });

  it('a release before any agreement exits 1 naming the line and the rule', () => {
    const path = write('early.jsonl', [
      opening,
      proposal,
      line(3, 'release.completed', { phase: 1, hostages: [{ category: 'women', count: 3 }] }),
    ]);
    const run = truce(['replay', path]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `error: ${path}: line 3 (seq 3, type release.completed): rejected in state negotiating.proposalOnTable: a release.completed needs a phase in progress, and no phase has started (release.completed is taken in inPhase, concluded)\n`,
    );
  });

  it('a mediator accepting for a principal exits 1 naming the line and the rule', () => {
    const path = write('mediator.jsonl', [
      opening,
      proposal,
      line(3, 'proposal.accepted', { proposalId: 'p1', by: 'qatar' }),
    ]);
    const run = truce(['replay', path]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /line 3 \(seq 3, type proposal\.accepted\): rejected in state negotiating\.proposalOnTable: only principals \(israel, hamas\) may accept; qatar is a mediator/,
    );
  });

  it('--json on a rejected event prints the error as one JSON object, exit 1', () => {
    const path = write('mediator-json.jsonl', [
      opening,
      proposal,
      line(3, 'proposal.accepted', { proposalId: 'p1', by: 'qatar' }),
    ]);
    const run = truce(['replay', path, '--json']);
    expect(run.status).toBe(1);
    const printed = JSON.parse(run.stdout);
    expect(printed).toEqual({
      ok: false,
      error: {
        line: 3,
        seq: 3,
        type: 'proposal.accepted',
        state: 'negotiating.proposalOnTable',
        code: 'party.notPrincipal',
        message: expect.any(String),
      },
    });
    expect(run.stderr).toContain(printed.error.message);
  });

  it('--json on a malformed line prints a format code and no state', () => {
    const path = write('torn-json.jsonl', [opening, '{"seq": 2,']);
    const run = truce(['replay', path, '--json']);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      error: { line: 2, seq: null, type: null, state: null, code: 'format.json' },
    });
  });

  it('validate runs the statechart too', () => {
    const path = write('mediator2.jsonl', [
      opening,
      proposal,
      line(3, 'proposal.accepted', { proposalId: 'p1', by: 'qatar' }),
    ]);
    const run = truce(['validate', path]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/line 3 .*rejected in state/);
  });

  it('usage errors exit 2', () => {
    expect(truce(['replay', nov, '--until', '0']).status).toBe(2);
    expect(truce(['replay', nov, '--at', 'yesterday']).status).toBe(2);
    expect(truce(['replay']).status).toBe(2);
    const both = truce(['replay', nov, '--full', '--json']);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--full');
    expect(both.stdout).toBe('');
  });

  it.each(readdirSync('examples').filter((name) => name.endsWith('.jsonl')))(
    '--full prints the report of examples/%s unchanged (a deal as the sources give it lists fewer than 20 of each)',
    (name) => {
      const log = join('examples', name);
      const full = truce(['replay', log, '--full']);
      expect(full.status).toBe(0);
      expect(full.stdout).toBe(truce(['replay', log]).stdout);
      expect(full.stdout).not.toContain('not listed');
    },
  );

  it('a missing log exits 4', () => {
    const run = truce(['replay', join(dir, 'missing.jsonl')]);
    expect(run.status).toBe(4);
  });
});

describe('--next: what the current state takes', () => {
  it('status --next lists the events the state takes after the status line', () => {
    const run = truce(['status', nov, '--next']);
    expect(run.status).toBe(0);
    const [status, heading, ...events] = run.stdout.trimEnd().split('\n');
    expect(status).toMatch(/^collapsed /);
    expect(heading).toBe('next events in state collapsed (from the statechart):');
    // From the README's chart: after a collapse only a new proposal, and the any-time events.
    expect(events.map((e) => e.trim())).toEqual([
      'proposal.sent',
      'aid.delivered',
      'violation.reported',
      'hostages.counted',
      'remains.returned',
      'demand.stated',
      'forces.withdrawn',
      'talks.started',
    ]);
  });

  it('replay --json --next adds a next key with the verdict where the deal fixes the event', () => {
    const run = truce(['replay', nov, '--json', '--next', '--until', '5']);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.state).toBe('inPhase');
    const completed = report.next.find((n: { type: string }) => n.type === 'phase.completed');
    expect(completed.now).toMatchObject({ allowed: false, rule: 'phase.incomplete' });
  });
});

describe('truce status and timeline', () => {
  it('status prints one line', () => {
    const run = truce(['status', 'examples/talks-2024.jsonl']);
    expect(run.status).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stdout).toMatch(/^negotiating\.proposalOnTable at seq \d+/);
    expect(run.stdout).toMatch(/sticking points permanentCeasefire, pauseDays/);
  });

  it('timeline prints one line per event, and --json an array', () => {
    const lines = readFileSync(nov, 'utf8').trimEnd().split('\n');
    const run = truce(['timeline', nov]);
    expect(run.status).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(lines.length);
    expect(run.stdout).toMatch(/Phase 1 began/);
    const json = JSON.parse(truce(['timeline', nov, '--json']).stdout);
    expect(json).toHaveLength(lines.length);
    expect(json[0]).toMatchObject({ seq: 1, type: 'negotiation.opened' });
  });

  it('timeline stops at a rejected event with exit 1, after printing the lines before it', () => {
    const path = write('tl.jsonl', [
      opening,
      proposal,
      line(3, 'proposal.accepted', { proposalId: 'p1', by: 'qatar' }),
    ]);
    const run = truce(['timeline', path]);
    expect(run.status).toBe(1);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(2);
    const json = truce(['timeline', path, '--json']);
    expect(JSON.parse(json.stdout)).toHaveLength(2);
  });
});

describe('truce validate runs the statechart', () => {
  it('a legal log says how many events and the state it ends in', () => {
    const run = truce(['validate', nov]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${nov}: 22 events, valid (ends in state collapsed)\n`);
  });
});

describe('an empty log', () => {
  it('status and replay say there is no event yet', () => {
    const path = join(dir, 'empty.jsonl');
    writeFileSync(path, '');
    const status = truce(['status', path]);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/^unopened no event yet: no phase started;/);
    expect(truce(['replay', path]).stdout).toMatch(
      /State\s+unopened {2}\(the log holds no event yet\)/,
    );
  });
});

describe('truce validate warns of likely typos', () => {
  it('a misspelt optional field is named with the field meant, and the log stays valid', () => {
    const path = write('typo.jsonl', [
      opening,
      proposal,
      line(3, 'aid.delivered', { region: 'north', trucks: 3, fuelTruck: 1 }),
    ]);
    const run = truce(['validate', path]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(
      `warning: ${path}: line 3 (seq 3, type aid.delivered): data.fuelTruck is not a field of aid.delivered; did you mean data.fuelTrucks? (unknown fields are kept and ignored)\n`,
    );
  });
  it('the examples have none', () => {
    expect(truce(['validate', nov]).stderr).toBe('');
  });
});

describe('readers and a write in progress', () => {
  it('replay and validate stop where the writer holding the lock began', () => {
    const path = write('busy.jsonl', [opening, proposal]);
    const size = readFileSync(path).length;
    // A writer holds the lock and has written half of its line.
    writeFileSync(path, line(3, 'aid.delivered', { region: 'north', trucks: 3 }).slice(0, 40), {
      flag: 'a',
    });
    writeFileSync(
      `${path}.lock`,
      JSON.stringify({ pid: process.pid, host: 'here', nonce: 'n', at: 'now', size }),
    );
    const validate = truce(['validate', path]);
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toBe(
      `${path}: 2 events, valid (ends in state negotiating.proposalOnTable)\n`,
    );
    expect(JSON.parse(truce(['replay', path, '--json']).stdout).seq).toBe(2);
    // Without the lock, the same half line is what a crash leaves: a torn last line.
    rmSync(`${path}.lock`);
    const torn = truce(['validate', path]);
    expect(torn.status).toBe(1);
    expect(torn.stderr).toMatch(/line 3: incomplete \(torn\) last line/);
  });
});
