import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeLines, escapeText } from '../../cli/escape.js';
import { formatReportPieces, when } from '../../cli/format.js';
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
    const pieces = formatReportPieces(watched, names, 1024);
    const first = pieces.next();
    expect(first.done).toBe(false);
    expect(read).toBe(0);
    const rest = [...pieces].join('');
    expect(read).toBe(report.proposals.length);
    const whole = `${first.value}${rest}`;
    expect(whole).toBe([...formatReportPieces(report, names)].join(''));
    expect(whole).toContain(`\nProposals\n  ${report.proposals[0]?.proposalId}`);
  });
});
