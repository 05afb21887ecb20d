import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeLines, escapeText } from '../../cli/escape.js';
import { formatReportPieces, when } from '../../cli/format.js';
import type { ReplayReport } from '../../projections/index.js';
import { replayLog } from '../../replay/index.js';
import { generatedLog } from '../../testing/generator/generatedLog.js';
import { checkProperty, toJsonl } from '../properties/settings.js';

/** The rule as the report first wrote it, by two regular expressions (the oracle). */
function whenByRegExp(at: string): string {
  return at.replace('T', ' ').replace(/:00(\.0+)?Z$/, 'Z');
}

/** Pieces an instant is made of, so that the oracle's cases (seconds, fractions) come up. */
const instantLike = fc
  .array(
    fc.constantFrom('T', ':', '00', '0', '.', 'Z', '1', '2023-11-24', '15:02', ' ', '\n', 'é'),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(''));

describe('an instant as the report prints it', () => {
  it('is what the two regular expressions made of it, for any text (fast-check)', () => {
    checkProperty(
      'when-equals-regexp',
      fc.property(fc.oneof(instantLike, fc.string()), (at) => {
        if (when(at) !== whenByRegExp(at)) throw new Error(`"${at}" printed "${when(at)}"`);
      }),
      () => [],
    );
  });

  it('leaves out zero seconds and a fraction of zeros, nothing else', () => {
    expect(when('2023-11-24T15:02:00Z')).toBe('2023-11-24 15:02Z');
    expect(when('2023-11-24T15:02:00.000Z')).toBe('2023-11-24 15:02Z');
    expect(when('2023-11-24T15:02:00.010Z')).toBe('2023-11-24 15:02:00.010Z');
    expect(when('2023-11-24T15:02:30Z')).toBe('2023-11-24 15:02:30Z');
    expect(when('2023-11-24T15:02:00.Z')).toBe('2023-11-24 15:02:00.Z');
    expect(when(null)).toBe('');
  });
});

describe('a text of whole lines made safe for a terminal', () => {
  it('is each line escaped as escapeText escapes it, line ends kept (fast-check)', () => {
    // Each end of every range of the escaped class, and the line feed between two of them.
    const unsafe = fc.constantFrom(
      '\n',
      '\r',
      '\t',
      '\u0000',
      '\u0009',
      '\u000b',
      '\u001f',
      '\u007f',
      '\u009f',
      '\u202a',
      '\u2069',
    );
    const more = fc.constantFrom('\u2028', '\u202e', '\u2066', 'a', ' ', 'é', '\u{1f600}');
    const text = fc
      .array(fc.oneof(unsafe, more, fc.string()), { maxLength: 30 })
      .map((parts) => parts.join(''));
    checkProperty(
      'escape-lines-per-line',
      fc.property(text, (t) => {
        const oracle = t
          .split('\n')
          .map((line) => escapeText(line))
          .join('\n');
        if (escapeLines(t) !== oracle) throw new Error(`${JSON.stringify(t)} escaped differently`);
      }),
      () => [],
    );
  });

  it('escapes a control character inside a line and keeps the line feed', () => {
    expect(escapeLines('Talks\u001b]0;PWNED\u0007\r\nnext\u202e\n')).toBe(
      'Talks\\x1b]0;PWNED\\x07\\r\nnext\\u202e\n',
    );
  });
});

// Issue 12, item 2: the readable report of a long deal is made as it is written, piece by
// piece; all of its lines were once built first (206–208 MB for `--until 999000` of a million
// events, 175 MB now).
describe('the readable report of a long deal', () => {
  it('given a generated deal, when the first piece is taken, then no proposal (the last section) has been read yet, and the pieces join to the whole report', async () => {
    const { report, replayer } = await replayLog(
      Readable.from([Buffer.from(toJsonl([...generatedLog({ events: 3_000, seed: 5 })]))]),
    );
    const names = Object.fromEntries(
      Object.entries(replayer.projection().parties).map(([id, p]) => [id, p.name]),
    );
    expect(report.proposals.length).toBeGreaterThan(10);
    let read = 0;
    const watched = {
      ...report,
      proposals: new Proxy(report.proposals, {
        get(target, key, receiver) {
          if (typeof key === 'string' && /^\d+$/.test(key)) read++;
          return Reflect.get(target, key, receiver);
        },
      }),
    };
    const all = { listLimit: Number.POSITIVE_INFINITY };
    const pieces = formatReportPieces(watched, names, { ...all, pieceSize: 1024 });
    const first = pieces.next();
    expect(first.done).toBe(false);
    expect(read).toBe(0);
    const rest = [...pieces].join('');
    expect(read).toBe(report.proposals.length);
    const whole = `${first.value}${rest}`;
    expect(whole).toBe([...formatReportPieces(report, names, all)].join(''));
    expect(whole).toContain(`\nProposals\n  ${report.proposals[0]?.proposalId}`);
  });
});

/** The lines of a report's section, from its title to the blank line after it. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? lines.length : end);
}

// A deal of a million events listed 40,000 flare-ups and 10,000 proposals: 6.5 MB on a terminal.
describe('the long sections of the readable report', () => {
  it('given a generated deal with more than 20 of each, when printed, then each lists its latest 20 after a line counting the rest, every overdue and open obligation is listed, and --full lists every one', async () => {
    const replayed = await replayLog(
      Readable.from([Buffer.from(toJsonl([...generatedLog({ events: 6_000, seed: 5 })]))]),
    );
    const names = Object.fromEntries(
      Object.entries(replayed.replayer.projection().parties).map(([id, p]) => [id, p.name]),
    );
    // More aid accounts and obligations of each status than a short generated deal has, each
    // told apart by its figures.
    const base = replayed.report;
    const account = base.aid.due[0] as ReplayReport['aid']['due'][number];
    const obligation = base.obligations[0] as ReplayReport['obligations'][number];
    const made = (status: 'overdue' | 'open' | 'met', n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({
        ...obligation,
        status,
        what: 'hostages' as const,
        category: null,
        count: from + i,
        metAt: status === 'met' ? obligation.due : null,
      }));
    const report: ReplayReport = {
      ...base,
      aid: {
        ...base.aid,
        due: Array.from({ length: 27 }, (_, i) => ({ ...account, phase: i + 1 })),
      },
      obligations: [
        ...made('met', 12, 100),
        ...made('overdue', 23, 200),
        ...base.obligations,
        ...made('open', 22, 300),
        ...made('met', 15, 400),
      ],
    };
    const short = [...formatReportPieces(report, names)].join('');
    const full = [...formatReportPieces(report, names, { listLimit: Infinity })].join('');
    const more = (n: number, what: string) =>
      `  … ${n} earlier ${what} not listed (replay --full lists every one)`;

    const proposals = report.proposals.map((p) => p.proposalId);
    expect(proposals.length).toBeGreaterThan(20);
    const listed = section(short, 'Proposals');
    expect(listed[0]).toBe(more(proposals.length - 20, 'proposals'));
    expect(listed.slice(1).map((l) => l.trim().split(' ')[0])).toEqual(proposals.slice(-20));
    expect(section(full, 'Proposals').map((l) => l.trim().split(' ')[0])).toEqual(proposals);

    const flareUps = report.flareUps.map((f) => `  flare-up, seq ${f.seq}`);
    expect(flareUps.length).toBeGreaterThan(20);
    const shown = section(short, 'Flare-ups and violations').filter((l) =>
      l.includes('flare-up, seq'),
    );
    expect(shown.map((l) => l.slice(0, l.indexOf(' ', 16)).trimEnd())).toEqual(flareUps.slice(-20));
    expect(short).toContain(more(flareUps.length - 20, 'flare-ups'));
    expect(full.split('\n').filter((l) => l.includes('flare-up, seq')).length).toBe(
      flareUps.length,
    );

    const aid = report.aid.due.length;
    expect(aid).toBeGreaterThan(20);
    expect(short).toContain(more(aid - 20, 'aid accounts'));
    const phases = section(short, 'Aid').flatMap((l) => /^ {2}phase (\d+), /.exec(l)?.[1] ?? []);
    expect(phases.map(Number)).toEqual(Array.from({ length: 20 }, (_, i) => i + 8));
    expect(section(full, 'Aid').filter((l) => /^ {2}phase \d+, /.test(l)).length).toBe(aid);

    const count = (status: string) => report.obligations.filter((o) => o.status === status).length;
    const owed = section(short, 'Who owes what');
    expect(count('met')).toBeGreaterThan(20);
    expect(count('overdue')).toBeGreaterThan(0);
    expect(owed.filter((l) => l.startsWith('  OVERDUE: ')).length).toBe(count('overdue'));
    expect(owed.filter((l) => l.startsWith('  OPEN: ')).length).toBe(count('open'));
    const metLines = (lines: string[]) => lines.filter((l) => l.startsWith('  met '));
    expect(metLines(owed)).toEqual(metLines(section(full, 'Who owes what')).slice(-20));
    expect(metLines(owed).filter((l) => / of 4\d\d$/.test(l)).length).toBe(15);
    expect(owed).toContain(more(count('met') - 20, 'met obligations'));
    expect(section(full, 'Who owes what').filter((l) => l.startsWith('  met ')).length).toBe(
      count('met'),
    );

    // Left out of the short report: only whole entries, each line kept as --full prints it.
    const fullLines = full.split('\n');
    let at = 0;
    for (const line of short.split('\n')) {
      if (line.startsWith('  … ')) continue;
      at = fullLines.indexOf(line, at);
      expect(at, line).toBeGreaterThanOrEqual(0);
      at++;
    }
    expect(full).not.toContain(' not listed (replay --full');
  });

  it('given a deal with 20 or fewer of each, when printed, then the report is the full one', async () => {
    const { report } = await replayLog(
      Readable.from([Buffer.from(toJsonl([...generatedLog({ events: 300, seed: 3 })]))]),
    );
    expect(report.proposals.length + report.flareUps.length).toBeGreaterThan(0);
    expect(report.proposals.length).toBeLessThanOrEqual(20);
    expect(report.flareUps.length).toBeLessThanOrEqual(20);
    expect(report.aid.due.length).toBeLessThanOrEqual(20);
    expect(report.obligations.filter((o) => o.status === 'met').length).toBeLessThanOrEqual(20);
    expect([...formatReportPieces(report)].join('')).toBe(
      [...formatReportPieces(report, {}, { listLimit: Infinity })].join(''),
    );
  });
});

describe('the long sections of the readable report, any limit (fast-check)', () => {
  it('list exactly the latest entries the limit allows, say how many are left out, keep every overdue and open obligation, and leave out only whole entries of --full', async () => {
    const { report: whole, replayer } = await replayLog(
      Readable.from([Buffer.from(toJsonl([...generatedLog({ events: 4_000, seed: 11 })]))]),
    );
    const names = Object.fromEntries(
      Object.entries(replayer.projection().parties).map(([id, p]) => [id, p.name]),
    );
    const statuses = ['overdue', 'open', 'met'] as const;
    checkProperty(
      'readable-report-limit',
      fc.property(
        fc.nat({ max: 45 }),
        fc.nat({ max: whole.flareUps.length }),
        fc.nat({ max: whole.proposals.length }),
        fc.array(fc.constantFrom(...statuses), { maxLength: 60 }),
        (limit, flareUpCount, proposalCount, obligationStatuses) => {
          const template = whole.obligations[0] as ReplayReport['obligations'][number];
          const report: ReplayReport = {
            ...whole,
            flareUps: whole.flareUps.slice(0, flareUpCount),
            proposals: whole.proposals.slice(0, proposalCount),
            // Each obligation told apart by its count.
            obligations: obligationStatuses.map((status, i) => ({
              ...template,
              status,
              what: 'hostages' as const,
              category: null,
              count: 1000 + i,
              metAt: status === 'met' ? template.due : null,
            })),
          };
          const text = [...formatReportPieces(report, names, { listLimit: limit })].join('');
          const full = [...formatReportPieces(report, names, { listLimit: Infinity })].join('');
          const left = (n: number, what: string) =>
            n > limit
              ? [`  … ${n - limit} earlier ${what} not listed (replay --full lists every one)`]
              : [];

          const flares = section(text, 'Flare-ups and violations');
          const shownSeqs = flares.flatMap((l) => /^ {2}flare-up, seq (\d+) /.exec(l)?.[1] ?? []);
          const wantSeqs = report.flareUps
            .slice(Math.max(0, flareUpCount - limit))
            .map((f) => String(f.seq));
          if (flareUpCount > 0) {
            expect(shownSeqs).toEqual(wantSeqs);
            expect(flares.filter((l) => l.startsWith('  … '))).toEqual(
              left(flareUpCount, 'flare-ups'),
            );
          }

          const props = section(text, 'Proposals');
          const wantIds = report.proposals
            .slice(Math.max(0, proposalCount - limit))
            .map((p) => p.proposalId);
          expect(
            props.filter((l) => !l.startsWith('  … ')).map((l) => l.trim().split(' ')[0]),
          ).toEqual(proposalCount === 0 ? ['none'] : wantIds);
          expect(props.filter((l) => l.startsWith('  … '))).toEqual(
            left(proposalCount, 'proposals'),
          );

          const owed = section(text, 'Who owes what');
          const countsOf = (prefix: string) =>
            owed
              .filter((l) => l.startsWith(prefix))
              .map((l) => Number(/, \d+ of (\d+)$/.exec(l)?.[1]));
          const want = (status: string) =>
            report.obligations.flatMap((o) => (o.status === status ? [o.count as number] : []));
          expect(countsOf('  OVERDUE: ')).toEqual(want('overdue'));
          expect(countsOf('  OPEN: ')).toEqual(want('open'));
          const met = want('met');
          expect(countsOf('  met ')).toEqual(met.slice(Math.max(0, met.length - limit)));
          expect(owed.filter((l) => l.startsWith('  … '))).toEqual(
            left(met.length, 'met obligations'),
          );

          // Nothing but whole entries left out: the rest is --full's text, line for line.
          const fullLines = full.split('\n');
          let at = 0;
          for (const line of text.split('\n')) {
            if (line.startsWith('  … ')) continue;
            at = fullLines.indexOf(line, at);
            if (at < 0) throw new Error(`"${line}" is not in the full report, in order`);
            at++;
          }
        },
      ),
      () => [],
    );
  });
});
