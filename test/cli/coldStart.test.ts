import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from '../../cli/commands.js';
import { rootProgram, truceProgram } from '../../cli/program.js';
import { truceBin, writeGenerated } from './truce.js';

// Issue 12, item 5: a command loads what it uses. Counted with a module-loader hook, never timed
// (speed is `npm run bench -- coldstart`'s).

const dir = mkdtempSync(join(tmpdir(), 'truce-cold-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const recorder = join(import.meta.dirname, 'fixtures', 'recordModules.mjs');
const november = join(import.meta.dirname, '..', '..', 'examples', 'november-2023.jsonl');
let runs = 0;

/** Runs the built `truce` and lists what it loaded: module URLs, and `zod` if zod ran. */
function loaded(args: string[]): { status: number | null; stdout: string; modules: string[] } {
  const file = join(dir, `run-${++runs}.txt`);
  const run = spawnSync(process.execPath, ['--import', recorder, truceBin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TRUCE_RECORD_MODULES: file },
    timeout: 60_000,
  });
  const modules = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return { status: run.status, stdout: run.stdout, modules };
}

/** npm packages that only PostgreSQL, the inspector's Stately bridge or the properties need. */
const HEAVY = /node_modules\/(ws|pg|pg-[^/]+|@statelyai\/inspect|partysocket|fast-check)\//;

describe('cold start', () => {
  it('the recorder sees a package a command does load (inspect loads the inspector)', () => {
    const run = loaded(['inspect', '--help']);
    expect(run.status).toBe(0);
    expect(run.modules).toContain('zod');
    // The Stately bridge (ws) is the inspector's only with --stately.
    expect(run.modules.filter((url) => HEAVY.test(url))).toEqual([]);
    expect(run.modules.some((url) => url.includes('inspector') || url.includes('chunks/'))).toBe(
      true,
    );
  });

  it.each([
    ['--version', ['--version']],
    ['--help', ['--help']],
    ['no command', []],
    ['an unknown command', ['bogus']],
  ])('%s loads neither the catalogue (zod) nor any heavy package', (_name, args) => {
    const run = loaded(args);
    expect(run.modules).not.toContain('zod');
    expect(run.modules.filter((url) => HEAVY.test(url))).toEqual([]);
    // commander and truce's own few files: not the ~200 modules of every command.
    expect(run.modules.filter((url) => url.startsWith('file:')).length).toBeLessThan(20);
  });

  it('status loads the statechart and the catalogue, but not ws, pg or the Stately bridge', () => {
    const run = loaded(['status', november]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^collapsed at seq 22/);
    expect(run.modules).toContain('zod');
    expect(run.modules.filter((url) => HEAVY.test(url))).toEqual([]);
  });

  it.each([
    ['status', ['status', november]],
    ['replay --json', ['replay', november, '--json']],
    ['timeline', ['timeline', november]],
    ['validate', ['validate', november]],
  ])(
    '%s of a log too short for the checkpoint cache loads neither node:crypto nor node:net',
    (_name, args) => {
      const run = loaded(args);
      expect(run.status).toBe(0);
      expect(run.modules).toContain('zod');
      // Nothing is hashed (no cache), no lock taken (node:os names its host), no pipe read.
      expect(run.modules.filter((url) => /^node:(crypto|net|os)$/.test(url))).toEqual([]);
    },
  );

  it('a query through the checkpoint cache loads node:crypto (it proves what it reads by hashes), not node:net', () => {
    const log = join(dir, 'cached.jsonl');
    // Above the 256 KiB under which a log is replayed without a cache.
    expect(writeGenerated(log, 3000).length).toBeGreaterThan(256 * 1024);
    const first = loaded(['status', log]);
    expect(first.status).toBe(0);
    const query = loaded(['status', log, '--until', '2048']);
    expect(query.status).toBe(0);
    expect(query.stdout).toMatch(/ at seq 2048 /);
    expect(query.modules).toContain('node:crypto');
    expect(query.modules).not.toContain('node:net');
  });

  it('the commands that read or write a log run from the code-cached core, not the chunks', () => {
    const run = loaded(['status', november]);
    expect(run.status).toBe(0);
    // The replay ran (zod's registry exists), but not from its chunk: the ES module path would
    // load chunks/replay-*.js.
    expect(run.modules).toContain('zod');
    expect(
      run.modules.filter((url) => /\/chunks\/(append|init|replay|validate)-/.test(url)),
    ).toEqual([]);
    expect(commands.filter((entry) => entry.cached).map((entry) => entry.name)).toEqual([
      'append',
      'init',
      'replay',
      'status',
      'timeline',
      'validate',
    ]);
  });

  it('the recorder sees what the core requires on demand (append --store loads pg)', () => {
    const run = loaded([
      'append',
      '--store',
      'postgresql://nobody@127.0.0.1:1/none',
      '--stream',
      's',
      '--type',
      'aid.delivered',
      '--data',
      '{}',
    ]);
    expect(run.status).toBe(4);
    expect(run.modules.some((url) => /node_modules\/pg\//.test(url))).toBe(true);
  });

  it.each([['reads'], ['writes']])(
    "V8 takes the core's %s code cache made by the build (dist/cli/core.cjs.*.cache)",
    (kind) => {
      const loader = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'cachedScript.js');
      const dist = join(import.meta.dirname, '..', '..', 'dist', 'cli');
      const script = `import { coreCachePath, loadCachedScript } from ${JSON.stringify(loader)};
const dist = ${JSON.stringify(dist)};
const { cacheUsed, exports } = loadCachedScript(dist + '/core.cjs', coreCachePath(dist, ${JSON.stringify(kind)}));
process.stdout.write(JSON.stringify({ cacheUsed, main: typeof exports.main }));`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual({ cacheUsed: true, main: 'function' });
    },
  );

  it('the commands that read a log take the reads cache, those that write the writes cache', () => {
    expect(
      commands.filter((entry) => entry.cached !== undefined).map((e) => [e.name, e.cached]),
    ).toEqual([
      ['append', 'writes'],
      ['init', 'writes'],
      ['replay', 'reads'],
      ['status', 'reads'],
      ['timeline', 'reads'],
      ['validate', 'reads'],
    ]);
  });
});

describe('the listing of commands', () => {
  /** The root program with every command registered for real. */
  async function everyCommand(): Promise<Command> {
    const program = rootProgram();
    for (const load of new Set(commands.map((entry) => entry.load))) (await load())(program);
    return program;
  }

  it('matches each command registered for real: name, term and description', async () => {
    const program = await everyCommand();
    const help = program.createHelp();
    const registered = program.commands.map((command) => ({
      name: command.name(),
      term: help.subcommandTerm(command),
      description: command.description(),
    }));
    expect(commands.map(({ name, term, description }) => ({ name, term, description }))).toEqual(
      registered,
    );
  });

  it('truce --help prints what it printed with every command registered', async () => {
    const listed = await truceProgram(['--help']);
    expect(listed.helpInformation()).toBe((await everyCommand()).helpInformation());
  });

  it('a command line runs the command it names, and `help NAME` helps with it', async () => {
    for (const args of [
      ['status', 'x.jsonl'],
      ['--debug', 'timeline', 'x'],
      ['help', 'status'],
    ]) {
      const program = await truceProgram(args);
      expect(program.commands.map((command) => command.name())).toEqual([
        'replay',
        'status',
        'timeline',
      ]);
    }
  });
});
