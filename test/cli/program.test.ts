import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { truce, truceBin } from './truce.js';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));

describe('truce', () => {
  it('--version prints the package version', () => {
    const run = truce(['--version']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${pkg.version}\n`);
  });

  it('--help lists the commands and exits 0', () => {
    const run = truce(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Usage: truce/);
    expect(run.stdout).toMatch(/validate \[options\] \[log\]/);
    expect(run.stdout).toMatch(/schema/);
  });

  it('validate --help describes the command', () => {
    const run = truce(['validate', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Usage: truce validate \[options\] \[log\]/);
  });

  it.each([
    ['no command', [], /Usage: truce/],
    ['an unknown command', ['bogus'], /unknown command 'bogus'/],
    ['an unknown option', ['validate', 'x.jsonl', '--frobnicate'], /unknown option '--frobnicate'/],
    ['a missing argument', ['validate'], /missing required argument 'log'/],
    ['an extra argument', ['validate', 'a.jsonl', 'b.jsonl'], /too many arguments/],
  ])('exits 2 on %s', (_name, args, message) => {
    const run = truce(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

// Issue 11, finding 7: writing the output never ends in a stack trace, and an exit code never
// says "rejected" for an event that was written.
describe('output that cannot be written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'truce-output-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** A log long enough that its timeline overfills a pipe buffer many times. */
  const big = join(dir, 'big.jsonl');
  const lines = [
    JSON.stringify({
      seq: 1,
      id: 'open',
      type: 'negotiation.opened',
      at: '2023-11-22T08:00:00Z',
      data: {
        title: 'T',
        parties: [
          { id: 'a', name: 'A', role: 'principal' },
          { id: 'b', name: 'B', role: 'principal' },
        ],
      },
    }),
  ];
  for (let seq = 2; seq <= 20_000; seq++) {
    lines.push(
      JSON.stringify({
        seq,
        id: `e${seq}`,
        type: 'aid.delivered',
        at: '2023-11-24T10:00:00Z',
        data: { region: 'south', trucks: 1 },
      }),
    );
  }
  writeFileSync(big, `${lines.join('\n')}\n`);
  const sh = (script: string) =>
    spawnSync('bash', ['-c', script], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, N: process.execPath, BIN: truceBin },
    });

  it('`truce timeline LOG | head -1` ends quietly with exit 0 when head stops reading (EPIPE)', () => {
    const run = sh(`"$N" "$BIN" timeline "${big}" | head -1; echo "status=\${PIPESTATUS[0]}"`);
    expect(run.stdout).toMatch(
      /^ {3}1 {2}2023-11-22 08:00Z {2}Negotiation opened: T.*\nstatus=0\n$/,
    );
    expect(run.stderr).toBe('');
  });

  // Issue 12, item 2: what a pipe does not take at once is waited for, not queued in memory
  // (a million events' `timeline` through a slow pipe peaked at 625 MB, its `replay --json` at
  // 295 MB). Each output here is larger than a pipe's buffer (64 KB), so the writer must wait.
  const generated = join(dir, 'generated.jsonl');
  it.each([
    ['replay', '--json', generated],
    ['replay', '--no-cache --full', generated],
    ['timeline', '--json', big],
    ['timeline', '--no-cache', big],
  ])(
    '`truce %s LOG %s | (sleep 1; cat)`: the whole output, as to a file, exit 0',
    (command, flag, log) => {
      if (log === generated) sh(`"$N" "$BIN" generate --events 20000 --seed 3 > "${generated}"`);
      const file = join(dir, `${command}${flag}.out`);
      const direct = sh(`"$N" "$BIN" ${command} "${log}" ${flag} > "${file}"`);
      expect(direct.status).toBe(0);
      expect(readFileSync(file).length).toBeGreaterThan(100 * 1024);
      const piped = sh(
        `set -o pipefail; "$N" "$BIN" ${command} "${log}" ${flag} | (sleep 1; cat) | sha256sum`,
      );
      expect(piped.stderr).toBe('');
      expect(piped.status).toBe(0);
      expect(piped.stdout).toBe(sh(`sha256sum < "${file}"`).stdout);
    },
  );

  it.each([['replay'], ['timeline'], ['validate'], ['status']])(
    '`truce %s LOG > /dev/full`: one sentence, exit 4',
    (command) => {
      const run = sh(`"$N" "$BIN" ${command} "${big}" > /dev/full`);
      expect(run.status).toBe(4);
      expect(run.stderr).toBe('error: cannot write the output: the disk is full\n');
    },
  );

  it('`truce append … > /dev/full` after the event is written: exit 0, a warning not to append it again, the event in the log once', () => {
    const log = join(dir, 'append.jsonl');
    writeFileSync(log, `${lines[0]}\n`);
    const run = sh(
      `"$N" "$BIN" append "${log}" --type aid.delivered --data '{"region":"south","trucks":1}' > /dev/full`,
    );
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(
      /^warning: the event is appended to .*append\.jsonl \(seq 2\), but printing the result failed \(cannot write the output: the disk is full\); it is written: do not append it again\n$/,
    );
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});

// Issue 11, finding 10: text from a log reaches the terminal with its control characters escaped.
describe('text from a log is printed with control characters escaped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'truce-escape-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'hostile.jsonl');
  const title = 'Talks\u001b]0;PWNED\u0007\r\u202eevil';
  writeFileSync(
    log,
    `${JSON.stringify({
      seq: 1,
      id: 'open\u001b[2J',
      type: 'negotiation.opened',
      at: '2023-11-22T08:00:00Z',
      data: {
        title,
        parties: [
          { id: 'a', name: 'A\u001b[31m', role: 'principal' },
          { id: 'b', name: 'B', role: 'principal' },
        ],
      },
      source: { name: 'wire\u0007' },
    })}\n${JSON.stringify({ seq: 2, id: 'aid\u001b[2J', type: 'aid.delivered', at: '2023-11-24T10:00:00Z', data: { region: 'south\u001b[1A', trucks: 1 } })}\n`,
  );
  // A count keyed by a name with an escape in it: the error's field path quotes the name.
  const bad = join(dir, 'hostile-bad.jsonl');
  writeFileSync(
    bad,
    `${JSON.stringify({
      seq: 1,
      id: 'open',
      type: 'negotiation.opened',
      at: '2023-11-22T08:00:00Z',
      data: {
        title: 'T',
        parties: [
          { id: 'a', name: 'A', role: 'principal' },
          { id: 'b', name: 'B', role: 'principal' },
        ],
        held: { 'x\u001b[31m': -1 },
      },
    })}\n`,
  );
  // Any byte below 0x20 but \n, DEL, C1, and the bidi and line-separator characters.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding raw control characters is the test.
  const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

  /** A log at `name` of an opening titled `title` between parties a and b, then `then` as event 2. */
  const twoEvents = (name: string, title: string, then: object): string => {
    const path = join(dir, name);
    const opening = {
      seq: 1,
      id: 'open',
      type: 'negotiation.opened',
      at: '2023-11-22T08:00:00Z',
      data: {
        title,
        parties: [
          { id: 'a', name: 'A', role: 'principal' },
          { id: 'b', name: 'B', role: 'principal' },
        ],
      },
    };
    writeFileSync(path, `${JSON.stringify(opening)}\n${JSON.stringify({ seq: 2, ...then })}\n`);
    return path;
  };

  it("truce replay: a line feed in a log's text is printed escaped, never as a line of the report", () => {
    const fake = '\n  OVERDUE: Israel owes 50 women by 2023-11-25Z';
    const forged = twoEvents('forged-lines.jsonl', `Talks${fake}`, {
      id: 'aid',
      type: 'aid.delivered',
      at: '2023-11-24T10:00:00Z',
      data: { region: `south${fake}`, trucks: 1 },
    });
    const run = truce(['replay', forged]);
    expect(run.status).toBe(0);
    // The oracle: no line of the output is the forged one; the text is there, escaped.
    expect(run.stdout.split('\n').filter((line) => line.includes('OVERDUE'))).toEqual([
      'Talks\\n  OVERDUE: Israel owes 50 women by 2023-11-25Z',
      expect.stringMatching(
        /^ {4}south\\n {2}OVERDUE: Israel owes 50 women by 2023-11-25Z *1 \(fuel 0\)$/,
      ),
    ]);
  });

  it("truce replay: an error quoting a log's text with a line feed is printed whole, on one line, with --debug too", () => {
    const id = 'x\n    at forged (evil.ts:1:1)';
    const quoting = twoEvents('forged-frame.jsonl', 'T', {
      id: 'acc',
      type: 'proposal.accepted',
      at: '2023-11-23T08:00:00Z',
      data: { proposalId: id, by: 'a' },
    });
    const plain = truce(['replay', quoting]);
    expect(plain.status).toBe(1);
    // Not cut at the line feed: the whole sentence, the id escaped.
    expect(plain.stderr).toMatch(
      /^error: .*proposal x\\n {4}at forged \(evil\.ts:1:1\) was never sent\n$/,
    );
    const debug = truce(['replay', quoting, '--debug']);
    expect(debug.status).toBe(1);
    const lines = debug.stderr.split('\n');
    expect(lines[0]).toContain('proposal x\\n    at forged (evil.ts:1:1) was never sent');
    expect(lines.filter((line) => line.includes('forged'))).toHaveLength(1);
    expect(lines.some((line) => /^\s+at /.test(line))).toBe(true);
  });

  // (`status` prints no free text from the log: only states, seqs and counts.)
  it.each([['replay'], ['timeline'], ['validate']])('truce %s', (command) => {
    const args = command === 'validate' ? [command, bad] : [command, log];
    const run = truce(args);
    expect(run.status).toBe(command === 'validate' ? 1 : 0);
    const out = run.stdout + run.stderr;
    expect(out).not.toMatch(raw);
    expect(out).toContain('\\x1b');
  });
});
