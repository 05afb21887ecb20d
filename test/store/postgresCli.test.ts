import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BOUNDED_HEAP_MIN_EVENTS } from '../../cli/boundedHeap.js';
import { migrateDatabase } from '../../store/index.js';
import { truce, truceBin, writeGenerated } from '../cli/truce.js';
import { type PgForTests, pgSkipReason, startPg } from './pgCluster.js';

// Each test runs the CLI several times; on a loaded machine one run can take seconds.
vi.setConfig({ testTimeout: 240_000 });

const skip = pgSkipReason();
const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'truce-pg-cli-'));
let server: PgForTests | undefined;
const url = () => (server as PgForTests).url;
const fresh = (label = 'cli') => `${label}-${randomBytes(5).toString('hex')}`;
const parties = ['--party', 'israel:Israel:principal', '--party', 'hamas:Hamas:principal'];
const aidArgs = ['--type', 'aid.delivered', '--data', '{"region":"south","trucks":200}'];
const at = (stream: string) => ['--store', url(), '--stream', stream];
const example = (name: string) => join(root, 'examples', `${name}.jsonl`);

beforeAll(async () => {
  if (skip) return;
  server = await startPg();
  await migrateDatabase(url());
});

afterAll(() => server?.stop());

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A URL of the same server naming another database. */
function databaseUrl(name: string): string {
  const other = new URL(url());
  other.pathname = `/${name}`;
  return other.toString();
}

function importExample(name: string, stream = fresh(name)): string {
  const run = truce(['import', example(name), ...at(stream)]);
  expect(run, run.stderr).toMatchObject({ status: 0 });
  return stream;
}

describe.skipIf(skip !== undefined)('truce with --store and --stream (PostgreSQL)', () => {
  describe('truce db migrate', () => {
    it('creates the schema once; a second run has nothing to do', async () => {
      const name = `db_${randomBytes(4).toString('hex')}`;
      await sql(`CREATE DATABASE ${name}`);
      const target = databaseUrl(name);
      expect(truce(['db', 'migrate', '--store', target])).toMatchObject({
        status: 0,
        stdout: `${target}: truce schema migrated to version 2 (applied 1, 2)\n`,
        stderr: '',
      });
      expect(truce(['db', 'migrate', '--store', target])).toMatchObject({
        status: 0,
        stdout: `${target}: truce schema already at version 2; nothing to do\n`,
      });
    });

    it('reads TRUCE_STORE; without either it is a usage error', () => {
      expect(truce(['db', 'migrate'], ['env', `TRUCE_STORE=${url()}`])).toMatchObject({
        status: 0,
      });
      const run = truce(['db', 'migrate'], ['env', '-u', 'TRUCE_STORE']);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^error: this command needs --store URL .* or TRUCE_STORE\n$/);
    });

    it('stores the checkpoints a stream lacks, once, and a query up to an earlier seq goes on from one with the same answer; not with --no-checkpoints', async () => {
      const file = join(dir, `fill-${randomBytes(4).toString('hex')}.jsonl`);
      writeGenerated(file, 66_000, 6);
      const stream = fresh('fill');
      const imported = spawnSync(process.execPath, [truceBin, 'import', file, ...at(stream)], {
        encoding: 'utf8',
        timeout: 200_000,
      });
      expect(imported.status, imported.stderr).toBe(0);
      // As a stream imported before schema version 2: no checkpoint.
      const forget = () => sql(`DELETE FROM truce.checkpoints WHERE stream = '${stream}'`);
      await forget();
      const want = truce(['status', '--until', '65600', file, '--no-cache']);
      expect(want.status, want.stderr).toBe(0);
      const query = () => truce(['status', '--until', '65600', ...at(stream), '--debug']);
      const before = query();
      expect(before).toMatchObject({ status: 0, stdout: want.stdout });
      expect(before.stderr).toContain(`stream ${stream} is replayed from its first event`);
      const migrate = (...args: string[]) => truce(['db', 'migrate', '--store', url(), ...args]);
      const filled = migrate();
      expect(filled.status, filled.stderr).toBe(0);
      expect(filled.stdout.split('\n')).toContain(
        `stream ${stream}: stored 1 checkpoint for time travel (seq 65536), replayed from its first event`,
      );
      expect(migrate().stdout).not.toContain(`stream ${stream}:`);
      const after = query();
      expect(after).toMatchObject({ status: 0, stdout: want.stdout });
      expect(after.stderr).toContain(`replayed from its stored checkpoint at seq 65536`);
      await forget();
      expect(migrate('--no-checkpoints')).toMatchObject({
        status: 0,
        stdout: `${url()}: truce schema already at version 2; nothing to do\n`,
      });
      expect(query().stderr).toContain('no stored checkpoint comes before');
    });

    it('a stream that no longer replays is named by a warning, and the run exits 1 once the others are filled', async () => {
      const name = `db_${randomBytes(4).toString('hex')}`;
      await sql(`CREATE DATABASE ${name}`);
      const target = databaseUrl(name);
      await migrateDatabase(target);
      const file = join(dir, `refused-${randomBytes(4).toString('hex')}.jsonl`);
      writeGenerated(file, 99, 8);
      expect(truce(['import', file, '--store', target, '--stream', 'broken']).status).toBe(0);
      // Rows written behind truce's back: a line that is no event at seq 100, and a head that
      // says the stream is long enough for checkpoints (the rows between are never reached).
      const inTarget = new pg.Client({ connectionString: target });
      await inTarget.connect();
      try {
        await inTarget.query(
          `INSERT INTO truce.events (stream, seq, id, type, v, at, data, line)
           VALUES ('broken', 100, 'x', 'aid.delivered', 1, now(), '{}', 'not an event')`,
        );
        await inTarget.query("UPDATE truce.streams SET head = 70000 WHERE name = 'broken'");
      } finally {
        await inTarget.end();
      }
      const run = truce(['db', 'migrate', '--store', target]);
      expect(run).toMatchObject({
        status: 1,
        stdout: `${target}: truce schema already at version 2; nothing to do\n`,
      });
      // One warning naming the stream and its line, then the error that ends the run.
      const said = run.stderr.trimEnd().split('\n');
      expect(said).toHaveLength(2);
      expect(said[0]).toMatch(/^warning: stream broken: .*\bline 100\b/);
      expect(said[1]).toMatch(/^error: stream broken /);
    });

    it('a database without the schema: every command says to run truce db migrate (exit 4)', async () => {
      const name = `bare_${randomBytes(4).toString('hex')}`;
      await sql(`CREATE DATABASE ${name}`);
      const run = truce(['replay', '--store', databaseUrl(name), '--stream', 'x']);
      expect(run.status).toBe(4);
      expect(run.stderr).toMatch(
        /has no truce tables .*; run truce db migrate --store URL first\n$/,
      );
      expect(run.stderr.split('\n')).toHaveLength(2);
    });
  });

  describe('import and export', () => {
    for (const name of ['november-2023', 'talks-2024']) {
      it(`${name}: export gives back the imported file byte for byte`, () => {
        const stream = fresh(name);
        const run = truce(['import', example(name), ...at(stream)]);
        expect(run.status).toBe(0);
        expect(run.stdout).toMatch(
          new RegExp(`: imported \\d+ events into stream ${stream} \\(seq 1–\\d+\\)\\n$`),
        );
        const out = truce(['export', ...at(stream)]);
        expect(out.status).toBe(0);
        expect(out.stdout).toBe(readFileSync(example(name), 'utf8'));
      });

      it(`${name}: replay --json, status, timeline and validate from PostgreSQL equal the file's`, () => {
        const stream = importExample(name);
        const runs: string[][] = [
          ['replay', '--json'],
          ['status', '--until', '5'],
          ['timeline', '--json', '--at', '2023-11-27'],
        ];
        for (const [command, ...args] of runs as [string, ...string[]][]) {
          const fromFile = truce([command, example(name), ...args]);
          const fromPg = truce([command, ...args, ...at(stream)]);
          expect(fromFile.status, command).toBe(0);
          expect(fromPg, command).toMatchObject({ status: 0, stdout: fromFile.stdout });
        }
        const validate = truce(['validate', ...at(stream)]);
        expect(validate.status).toBe(0);
        expect(validate.stdout).toMatch(
          new RegExp(`^stream ${stream}: \\d+ events, valid \\(ends in state [a-zA-Z.]+\\)\\n$`),
        );
      });
    }

    it("replay and status go on from the stream's stored snapshot, by seq and by date, with the same answer; --no-cache and timeline do not", () => {
      const file = join(dir, `generated-${randomBytes(4).toString('hex')}.jsonl`);
      const generated = writeGenerated(file, 700, 5);
      const stream = fresh('long');
      expect(truce(['import', file, ...at(stream)]).status).toBe(0);
      const resumed = `note: stream ${stream} is replayed from its stored snapshot at seq 700\n`;
      const fromFile = (...args: string[]) => truce([...args, file, '--no-cache']);
      const fromPg = (...args: string[]) => truce([...args, ...at(stream), '--debug']);

      for (const args of [['status'], ['replay', '--json'], ['replay', '--next']]) {
        const want = fromFile(...args);
        expect(want.status, args.join(' ')).toBe(0);
        expect(fromPg(...args), args.join(' ')).toMatchObject({
          status: 0,
          stdout: want.stdout,
          stderr: resumed,
        });
      }
      const early = fromPg('status', '--until', '650');
      expect(early).toMatchObject({
        status: 0,
        stdout: fromFile('status', '--until', '650').stdout,
      });
      expect(early.stderr).toBe(
        `note: the stored snapshot is at seq 700, after seq 650, and no stored checkpoint comes before: stream ${stream} is replayed from its first event\n`,
      );
      // By date: from the snapshot when no event up to it happened after the instant.
      const ats = generated
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).at as string);
      const [last, earlier] = [ats[699] as string, ats[649] as string];
      expect(fromPg('status', '--at', last)).toMatchObject({
        status: 0,
        stdout: fromFile('status', '--at', last).stdout,
        stderr: resumed,
      });
      expect(fromPg('status', '--at', earlier)).toMatchObject({
        status: 0,
        stdout: fromFile('status', '--at', earlier).stdout,
        stderr: `note: an event up to the stored snapshot (seq 700) happened after ${earlier}, and no stored checkpoint comes before: stream ${stream} is replayed from its first event\n`,
      });
      for (const args of [['status', '--no-cache'], ['timeline']]) {
        const run = fromPg(...args);
        expect(run, args.join(' ')).toMatchObject({ status: 0, stderr: '' });
        expect(run.stdout, args.join(' ')).toBe(
          fromFile(...args.filter((a) => a !== '--no-cache')).stdout,
        );
      }
    });

    it('a replay or validate of a long stream bounds its heap, as for a long file, from its first event or its snapshot; one of a short stream does not', () => {
      const file = join(dir, `bounded-${randomBytes(4).toString('hex')}.jsonl`);
      writeGenerated(file, BOUNDED_HEAP_MIN_EVENTS, 4);
      const stream = fresh('bounded');
      const imported = spawnSync(process.execPath, [truceBin, 'import', file, ...at(stream)], {
        encoding: 'utf8',
        timeout: 200_000,
      });
      expect(imported.status, imported.stderr).toBe(0);
      /** The V8 flags `truce ARGS` set while it ran (test/cli/fixtures/recordV8Flags.mjs). */
      const flagsOf = (args: string[]) => {
        const record = join(dir, `flags-${randomBytes(4).toString('hex')}.txt`);
        const run = spawnSync(
          process.execPath,
          [
            '--import',
            join(root, 'test', 'cli', 'fixtures', 'recordV8Flags.mjs'),
            truceBin,
            ...args,
          ],
          {
            encoding: 'utf8',
            env: { ...process.env, TRUCE_RECORD_FLAGS: record },
            timeout: 120_000,
          },
        );
        expect(run.status, run.stderr).toBe(0);
        return readFileSync(record, 'utf8').split('\n').filter(Boolean);
      };
      for (const args of [['status', '--no-cache'], ['validate']]) {
        expect(flagsOf([...args, ...at(stream)]), args.join(' ')).toContain(
          '--heap-growing-percent=50',
        );
      }
      // From the snapshot its import stored, at its last event: nothing left to read, but the
      // state read is that of 170,000 events. Up to seq 5 too: the stream's length decides,
      // before its snapshot is read.
      expect(flagsOf(['status', ...at(stream)])).toContain('--heap-growing-percent=50');
      expect(flagsOf(['status', '--until', '5', ...at(stream)])).toContain(
        '--heap-growing-percent=50',
      );
      const short = importExample('november-2023');
      expect(flagsOf(['status', '--no-cache', ...at(short)])).toEqual([]);
      expect(flagsOf(['status', ...at(short)])).toEqual([]);
    });

    it('the stream name defaults to the file name; a re-import imports nothing', () => {
      const name = `d-${randomBytes(4).toString('hex')}`;
      const file = join(dir, `${name}.jsonl`);
      writeFileSync(file, readFileSync(example('november-2023')));
      expect(truce(['import', file, '--store', url()])).toMatchObject({
        status: 0,
        stdout: `${file}: imported 22 events into stream ${name} (seq 1–22)\n`,
      });
      expect(truce(['import', file, '--store', url()])).toMatchObject({
        status: 0,
        stdout: `${file}: stream ${name} already holds its 22 events; nothing to import\n`,
      });
    });

    it('importing a different log into a used stream is a conflict (exit 3); an invalid file exit 1', () => {
      const stream = importExample('november-2023');
      const run = truce(['import', example('talks-2024'), ...at(stream)]);
      expect(run.status).toBe(3);
      expect(run.stderr).toMatch(/already holds 22 events and .*import into a new --stream\n$/);
      const bad = join(dir, 'bad.jsonl');
      writeFileSync(bad, '{"seq":1,"id":"x","type":"aid.delivered"}\n');
      const invalid = truce(['import', bad, ...at(fresh())]);
      expect(invalid.status).toBe(1);
      expect(invalid.stderr).toMatch(/^error: .*bad\.jsonl: line 1 /);
      expect(truce(['import', join(dir, 'none.jsonl'), ...at(fresh())])).toMatchObject({
        status: 4,
      });
    });

    it("a file that cannot be read is the file's error (exit 4), not the database's", () => {
      const folder = truce(['import', dir, ...at(fresh())]);
      expect(folder.status).toBe(4);
      expect(folder.stderr).toMatch(/^error: cannot read .*truce-pg-cli-\w+: /);
      expect(folder.stderr).not.toMatch(/PostgreSQL|postgresql/);
    });

    it.skipIf(spawnSync('script', ['--version']).status !== 0)(
      'on a terminal, import shows how far it is, then clears the line',
      () => {
        const out = join(dir, 'imported.txt');
        const command = [
          process.execPath,
          truceBin,
          'import',
          example('talks-2024'),
          ...at(fresh()),
        ]
          .map((a) => `'${a}'`)
          .join(' ');
        const run = spawnSync('script', ['-qec', `${command} > '${out}'`, '/dev/null'], {
          encoding: 'utf8',
          env: { ...process.env, TRUCE_PROGRESS: 'eager' },
          timeout: 120_000,
        });
        expect(run.status).toBe(0);
        expect(run.stdout).toMatch(/importing .*talks-2024\.jsonl: [\d,]+ events?, /);
        expect(run.stdout.endsWith('\r\u001b[K')).toBe(true);
        expect(readFileSync(out, 'utf8')).toMatch(/imported \d+ events into stream/);
      },
    );

    it('export of a stream that does not exist names the streams there (exit 4)', () => {
      const stream = importExample('talks-2024');
      const run = truce(['export', ...at('no-such-stream')]);
      expect(run.status).toBe(4);
      expect(run.stderr).toMatch(/has no stream no-such-stream \(its streams: /);
      expect(stream).toBeTruthy();
    });
  });

  describe('init and append', () => {
    it('init, append one event and a batch, with the same codes as the file store', () => {
      const stream = fresh('deal');
      const init = (...extra: string[]) =>
        truce([
          'init',
          ...at(stream),
          '--title',
          'T',
          ...parties,
          '--at',
          '2023-11-22T08:00:00Z',
          ...extra,
        ]);
      expect(init('--id', 'open')).toMatchObject({ status: 0, stdout: '1\n', stderr: '' });
      expect(init()).toMatchObject({
        status: 3,
        stderr: `error: stream ${stream} already holds 1 event (up to seq 1); truce init only starts a new log, use truce append to add to it\n`,
      });
      expect(truce(['append', ...at(stream), ...aidArgs, '--id', 'a1'])).toMatchObject({
        status: 0,
        stdout: '2\n',
      });
      const again = truce(['append', ...at(stream), ...aidArgs, '--id', 'a1']);
      expect(again).toMatchObject({ status: 0, stdout: '2\n' });
      expect(again.stderr).toMatch(/^note: this event id is already in stream /);
      expect(truce(['append', ...at(stream), ...aidArgs, '--expect', '1'])).toMatchObject({
        status: 3,
        stderr: `error: stream ${stream}: expected the log to end at seq 1, but it ends at seq 2\n`,
      });
      const rejected = truce([
        'append',
        ...at(stream),
        '--type',
        'phase.started',
        '--data',
        '{"phase":1}',
      ]);
      expect(rejected.status).toBe(1);
      expect(rejected.stderr).toMatch(
        new RegExp(
          `^error: stream ${stream}: line 3 \\(seq 3, type phase\\.started\\): rejected in state`,
        ),
      );
      const batch = join(dir, `batch-${stream}.jsonl`);
      writeFileSync(
        batch,
        '{"id":"b1","type":"aid.delivered","at":"2023-11-24T18:00:00Z","data":{"region":"south","trucks":1}}\n{"id":"b2","type":"aid.delivered","at":"2023-11-24T19:00:00Z","data":{"region":"south","trucks":2}}\n',
      );
      expect(truce(['append', ...at(stream), '--from', batch, '--expect', '2'])).toMatchObject({
        status: 0,
        stdout: '3\n4\n',
      });
      const exported = truce(['export', ...at(stream)])
        .stdout.trim()
        .split('\n');
      expect(exported.map((line) => JSON.parse(line).id)).toEqual(['open', 'a1', 'b1', 'b2']);
    });

    it('append --dry-run checks against the stream and writes nothing; an earlier at is warned of', () => {
      const stream = importExample('november-2023');
      const dry = truce([
        'append',
        ...at(stream),
        ...aidArgs,
        '--id',
        'dry',
        '--at',
        '2023-12-02T00:00:00Z',
        '--dry-run',
      ]);
      expect(dry.status, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/^\{"seq":23,"id":"dry","type":"aid\.delivered"/);
      expect(truce(['export', ...at(stream)]).stdout).toBe(
        readFileSync(example('november-2023'), 'utf8'),
      );
      const early = truce(['append', ...at(stream), ...aidArgs, '--at', '2023-11-01T00:00:00Z']);
      expect(early.status).toBe(0);
      expect(early.stderr).toMatch(
        /^warning: .*at 2023-11-01T00:00:00Z is earlier than the previous event's 2023-12-01T05:00:00Z/,
      );
    });

    it('append to a stream that does not exist says how to start it (exit 4), and creates nothing', () => {
      const stream = fresh('none');
      const run = truce(['append', ...at(stream), ...aidArgs]);
      expect(run.status).toBe(4);
      expect(run.stderr).toMatch(
        new RegExp(
          `has no stream ${stream} .*; start it with truce init --store URL --stream ${stream}, then append to it\\n$`,
        ),
      );
      expect(truce(['replay', ...at(stream)]).status).toBe(4);
    });

    it('TRUCE_STORE stands in for --store', () => {
      const stream = importExample('november-2023');
      const run = truce(['status', '--stream', stream], ['env', `TRUCE_STORE=${url()}`]);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^collapsed at seq 22 /);
    });
  });

  describe('usage and connection failures', () => {
    it('LOG together with --store, --store without --stream, no log at all: usage errors (exit 2)', () => {
      const env = ['env', '-u', 'TRUCE_STORE'];
      expect(truce(['replay', example('november-2023'), ...at('x')], env)).toMatchObject({
        status: 2,
        stderr: `error: give either a LOG file (${example('november-2023')}) or --store URL --stream NAME, not both\n`,
      });
      expect(truce(['status', '--store', url()], env)).toMatchObject({
        status: 2,
        stderr: `error: --store needs --stream NAME: which negotiation of ${url()}\n`,
      });
      expect(truce(['validate'], env)).toMatchObject({
        status: 2,
        stderr:
          "error: missing required argument 'log': give a LOG file, or --store URL --stream NAME (or set TRUCE_STORE)\n",
      });
      expect(truce(['timeline', ...at('bad name')], env).status).toBe(2);
    });

    it('a bad URL is a usage error (exit 2) that never shows the password', () => {
      for (const bad of [
        'mysql://root:hunter2pw@db/x',
        'postgresql://me:hunter2pw@host:notaport/db',
      ]) {
        for (const command of [['replay'], ['append', ...aidArgs], ['inspect'], ['export']]) {
          const run = truce([...command, '--store', bad, '--stream', 's']);
          expect(run.status, `${command[0]} ${bad}`).toBe(2);
          expect(run.stderr).toMatch(/^error: --store expects a PostgreSQL URL such as /);
          expect(run.stderr + run.stdout).not.toContain('hunter2pw');
        }
      }
    });

    it('an unreachable server is one sentence, exit 4, without the password (also with --debug)', () => {
      const secret = 'hunter2-s3cret';
      const target = `postgresql://analyst:${secret}@127.0.0.1:1/truce`;
      for (const command of [
        ['replay'],
        ['status'],
        ['timeline'],
        ['validate'],
        ['append', ...aidArgs],
        ['init', '--title', 'T', ...parties],
        ['export'],
        ['inspect', '--port', '0'],
      ]) {
        const run = truce([...command, '--store', target, '--stream', 's']);
        expect(run.status, command[0]).toBe(4);
        expect(run.stderr).toBe(
          'error: cannot connect to PostgreSQL at postgresql://analyst:***@127.0.0.1:1/truce: connection refused (is the server running and listening there?)\n',
        );
      }
      for (const command of [['replay'], ['import', example('talks-2024')], ['db', 'migrate']]) {
        const run = truce([
          '--debug',
          ...command,
          '--store',
          target,
          ...(command[0] === 'db' ? [] : ['--stream', 's']),
        ]);
        expect(run.status, command[0]).toBe(4);
        expect(run.stderr).toMatch(/connection refused/);
        expect(run.stderr + run.stdout).not.toContain(secret);
      }
    });
  });

  describe('truce inspect --store --stream', () => {
    it('the page follows appends made from another process (LISTEN/NOTIFY)', async () => {
      const stream = importExample('november-2023');
      const child = spawn(process.execPath, [truceBin, 'inspect', ...at(stream), '--port', '0']);
      try {
        const lines = createInterface({ input: child.stdout });
        const first = await new Promise<string>((resolve, reject) => {
          lines.once('line', resolve);
          child.once('exit', (code) => reject(new Error(`inspect exited with ${code}`)));
        });
        const page = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(first)?.[1] as string;
        expect(first).toContain(`truce inspector for stream ${stream}: `);
        const steps = async () =>
          ((await (await fetch(`${page}api/log`)).json()) as { steps: unknown[] }).steps.length;
        expect(await steps()).toBe(22);
        const appended = truce([
          'append',
          ...at(stream),
          '--type',
          'proposal.sent',
          '--data',
          JSON.stringify({
            proposalId: 'live-1',
            from: 'qatar',
            terms: { phases: [{ days: 1, hostages: [] }], permanentCeasefire: false },
          }),
          '--at',
          '2023-12-02T00:00:00Z',
        ]);
        expect(appended, appended.stderr).toMatchObject({ status: 0, stdout: '23\n' });
        const deadline = Date.now() + 60_000;
        while ((await steps()) < 23) {
          if (Date.now() > deadline) throw new Error('the inspector never showed seq 23');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const report = (await (await fetch(`${page}api/report/23`)).json()) as {
          report: { seq: number; proposals: Array<{ id?: string; proposalId?: string }> };
        };
        expect(report.report.seq).toBe(23);
        expect(JSON.stringify(report.report.proposals)).toContain('live-1');
      } finally {
        child.kill('SIGTERM');
      }
    });
  });
});
