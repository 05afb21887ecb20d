import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ProgressStream, progressLine, startProgress } from '../../cli/progress.js';
import { truceBin, writeGenerated } from './truce.js';

// Issue 12, item 6: progress on stderr when it is a terminal, nothing otherwise. No timing: a
// fake clock drives the unit tests, and the end-to-end runs use TRUCE_PROGRESS=eager.

/** A terminal that records what is written to it. */
function terminal(isTTY = true): ProgressStream & { text: string } {
  return {
    isTTY,
    columns: 80,
    text: '',
    write(text: string) {
      this.text += text;
      return true;
    },
  };
}

describe('the progress line', () => {
  it('says events, events per second, the share done and the time left', () => {
    expect(
      progressLine({ what: 'validating big.jsonl', totalBytes: 1_000 }, 5_000, 250, 2_000),
    ).toBe('validating big.jsonl: 5,000 events, 2,500 events/s, 25%, about 6 s left');
    expect(
      progressLine({ what: 'generating', totalEvents: 1_000_000 }, 100_000, undefined, 90_000),
    ).toBe('generating: 100,000 events, 1,111 events/s, 10%, about 13 min 30 s left');
    // A pipe has no size: no share, no time left.
    expect(progressLine({ what: 'replaying -' }, 1, 100, 500)).toBe(
      'replaying -: 1 event, 2 events/s',
    );
  });

  it('is drawn after half a second, at most four times a second, and cleared at the end', () => {
    const stream = terminal();
    let t = 0;
    const progress = startProgress({ what: 'validating x', stream, now: () => t });
    progress.update(1, 10);
    t = 499;
    progress.update(2, 20);
    expect(stream.text).toBe('');
    t = 500;
    progress.update(3, 30);
    expect(stream.text).toBe('\rvalidating x: 3 events, 6 events/s\u001b[K');
    t = 600;
    progress.update(4, 40);
    expect(stream.text.split('\r')).toHaveLength(2);
    t = 750;
    progress.update(5, 50);
    expect(stream.text.split('\r')).toHaveLength(3);
    progress.note('warning: something\n');
    expect(stream.text.endsWith('\r\u001b[Kwarning: something\n')).toBe(true);
    progress.done();
    progress.update(6, 60);
    expect(stream.text.endsWith('warning: something\n')).toBe(true);
  });

  it('clears the line at the end only when it drew one', () => {
    const stream = terminal();
    const progress = startProgress({ what: 'status', stream, now: () => 0 });
    progress.update(1);
    progress.done();
    expect(stream.text).toBe('');
  });

  it('writes nothing when stderr is not a terminal, or when output streams to the terminal', () => {
    let t = 0;
    const file = terminal(false);
    const quiet = startProgress({ what: 'validating x', stream: file, now: () => t });
    const stream = terminal();
    const sharing = startProgress({
      what: 'generating',
      stream,
      now: () => t,
      streamsOutput: true,
      stdoutIsTTY: true,
    });
    for (t = 0; t < 5_000; t += 100) {
      quiet.update(t);
      sharing.update(t);
    }
    quiet.done();
    sharing.done();
    expect(file.text).toBe('');
    expect(stream.text).toBe('');
    // A warning still reaches stderr.
    quiet.note('warning: w\n');
    expect(file.text).toBe('warning: w\n');
  });
});

describe('progress of truce commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'truce-progress-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'generated.jsonl');
  writeGenerated(log, 3000);

  /** Runs truce under a pseudo-terminal (util-linux `script`), stdout to a file; gives what the terminal showed. */
  function onTerminal(args: string[]): { status: number | null; terminal: string } {
    const out = join(dir, 'stdout.txt');
    const command = [process.execPath, truceBin, ...args].map((a) => `'${a}'`).join(' ');
    const run = spawnSync('script', ['-qec', `cd '${dir}' && ${command} > '${out}'`, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, TRUCE_PROGRESS: 'eager' },
      timeout: 120_000,
    });
    return { status: run.status, terminal: run.stdout };
  }

  const hasScript = spawnSync('script', ['--version']).status === 0;

  /** `truce append` of one aid delivery, dated after every generated event. */
  const appendTo = (path: string) => [
    'append',
    path,
    '--type',
    'aid.delivered',
    '--at',
    '2999-01-01T00:00:00Z',
    '--data',
    '{"region":"north","trucks":1}',
  ];

  it.skipIf(!hasScript)(
    'validate, replay and status show progress on a terminal, then clear it',
    () => {
      for (const [args, what] of [
        [['validate', 'generated.jsonl'], 'validating generated.jsonl: '],
        [['replay', 'generated.jsonl', '--json'], 'replaying generated.jsonl: '],
        [['status', 'generated.jsonl'], 'replaying generated.jsonl: '],
      ] as const) {
        const run = onTerminal([...args]);
        expect(run.status).toBe(0);
        expect(run.terminal).toContain(what);
        expect(run.terminal).toMatch(/events\/s, \d+%, about \d/);
        // Cleared at the end: the last thing on the terminal is the clearing, nothing after it.
        expect(run.terminal.endsWith('\r\u001b[K')).toBe(true);
      }
    },
  );

  it.skipIf(!hasScript)(
    'append shows progress while it replays a log it has no sidecar for, then clears it',
    () => {
      copyFileSync(log, join(dir, 'appended.jsonl'));
      const run = onTerminal(appendTo('appended.jsonl'));
      expect(run.status).toBe(0);
      expect(run.terminal).toMatch(
        /appending to appended\.jsonl: [\d,]+ events?, [\d,]+ events\/s, \d+%/,
      );
      expect(run.terminal.endsWith('\r\u001b[K')).toBe(true);
    },
  );

  /**
   * A shell line that starts `truce inspect LOG` on a free port, waits until it prints its address
   * (stdout to `out`), then stops it with SIGTERM (a job started with `&` ignores Ctrl-C's): the
   * inspector runs until told to stop.
   */
  const inspectThenStop = (logName: string, out: string) =>
    `${[process.execPath, truceBin, 'inspect', logName, '--port', '0'].map((a) => `'${a}'`).join(' ')} > '${out}' & pid=$!; ` +
    // The background command's output file may not exist yet when the first grep looks.
    `until grep -qs http '${out}'; do kill -0 $pid || exit 9; sleep 0.1; done; kill -TERM $pid; wait $pid`;

  it.skipIf(!hasScript)('inspect shows progress while it opens a log, then clears it', () => {
    const out = join(dir, 'inspect-out.txt');
    const run = spawnSync(
      'script',
      ['-qec', `cd '${dir}' || exit 8; ${inspectThenStop('generated.jsonl', out)}`, '/dev/null'],
      {
        encoding: 'utf8',
        env: { ...process.env, TRUCE_PROGRESS: 'eager' },
        timeout: 120_000,
      },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/opening generated\.jsonl: [\d,]+ events?, [\d,]+ events\/s, \d+%/);
    // Cleared before anything else: the address is on stdout (a file here), nothing follows.
    expect(run.stdout.endsWith('\r\u001b[K')).toBe(true);
    expect(readFileSync(out, 'utf8')).toMatch(
      /^truce inspector for generated\.jsonl: http:\/\/127\.0\.0\.1:\d+\/\n/,
    );
  });

  it.skipIf(!hasScript)('generate shows progress when its output goes to a file', () => {
    const run = onTerminal(['generate', '--events', '100000']);
    expect(run.status).toBe(0);
    expect(run.terminal).toMatch(/generating: [\d,]+ events, [\d,]+ events\/s, \d+%/);
  });

  it.skipIf(!hasScript)('nothing with TRUCE_PROGRESS=off, even on a terminal', () => {
    const out = join(dir, 'off.txt');
    const run = spawnSync(
      'script',
      ['-qec', `'${process.execPath}' '${truceBin}' validate '${log}' > '${out}'`, '/dev/null'],
      { encoding: 'utf8', env: { ...process.env, TRUCE_PROGRESS: 'off' }, timeout: 120_000 },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
  });

  it('inspect draws nothing when stderr is not a terminal', () => {
    const out = join(dir, 'inspect-quiet.txt');
    const run = spawnSync(
      'bash',
      ['-c', `cd '${dir}' || exit 8; ${inspectThenStop('generated.jsonl', out)}`],
      {
        encoding: 'utf8',
        env: { ...process.env, TRUCE_PROGRESS: 'eager' },
        timeout: 120_000,
      },
    );
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('nothing at all when stderr is not a terminal', () => {
    const quiet = join(dir, 'quiet.jsonl');
    copyFileSync(log, quiet);
    for (const args of [
      ['validate', log],
      ['replay', log],
      ['status', log],
      ['timeline', log],
      ['generate', '--events', '20000'],
      appendTo(quiet),
    ]) {
      const run = spawnSync(process.execPath, [truceBin, ...args], {
        encoding: 'utf8',
        env: { ...process.env, TRUCE_PROGRESS: 'eager' },
        maxBuffer: 64 << 20,
      });
      expect(run.status).toBe(0);
      expect(run.stderr).toBe('');
    }
  });
});
