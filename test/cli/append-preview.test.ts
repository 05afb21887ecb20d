import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { truce } from './truce.js';

const dir = mkdtempSync(join(tmpdir(), 'truce-cli-preview-'));
let n = 0;
const fresh = () => join(dir, `deal-${++n}.jsonl`);
const parties = ['--party', 'israel:Israel:principal', '--party', 'hamas:Hamas:principal'];
const init = (log: string, ...extra: string[]) =>
  truce(['init', log, '--title', 'Talks', ...parties, '--at', '2025-10-09T00:00:00Z', ...extra]);
const misspelt = [
  '--type',
  'violation.reported',
  '--data',
  '{"by":"hamas","descripton":"x","description":"y"}',
];

describe('truce append gives the warnings truce validate gives', () => {
  it('given a misspelt field and an earlier date, when appended, then both warnings, and validate gives the same two', () => {
    const log = fresh();
    init(log);
    const run = truce(['append', log, ...misspelt, '--at', '2025-10-08T00:00:00Z', '--id', 'v']);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(
      'data.descripton is not a field of violation.reported; did you mean data.description?',
    );
    expect(run.stderr).toContain(
      "at 2025-10-08T00:00:00Z is earlier than the previous event's 2025-10-09T00:00:00Z",
    );
    const validate = truce(['validate', log]);
    expect(validate.status).toBe(0);
    expect(validate.stderr).toContain('did you mean data.description?');
    expect(validate.stderr).toContain("is earlier than the previous event's 2025-10-09T00:00:00Z");
  });

  it('a clean event in order gets no warning', () => {
    const log = fresh();
    init(log);
    const run = truce([
      'append',
      log,
      '--type',
      'violation.reported',
      '--data',
      '{"by":"hamas","description":"y"}',
      '--at',
      '2025-10-10T00:00:00Z',
    ]);
    expect(run).toMatchObject({ status: 0, stdout: '2\n' });
    expect(run.stderr).not.toMatch(/warning: .*(not a field|earlier than)/);
  });
});

describe('truce append --dry-run', () => {
  it('prints the event as it would be written and the state after it, and writes nothing', () => {
    const log = fresh();
    init(log);
    const before = readFileSync(log);
    const run = truce([
      'append',
      log,
      ...misspelt,
      '--at',
      '2025-10-10T00:00:00Z',
      '--id',
      'v1',
      '--dry-run',
    ]);
    expect(run.status).toBe(0);
    const [line, status] = run.stdout.split('\n');
    expect(JSON.parse(line ?? '')).toMatchObject({ seq: 2, id: 'v1', type: 'violation.reported' });
    expect(status).toMatch(/^negotiating\.awaitingProposal at seq 2 /);
    expect(run.stderr).toContain('did you mean data.description?');
    expect(readFileSync(log).equals(before)).toBe(true);
  });

  it('an event the statechart refuses is refused as the append would be (exit 1), nothing written', () => {
    const log = fresh();
    init(log);
    const before = readFileSync(log);
    const run = truce([
      'append',
      log,
      '--type',
      'phase.started',
      '--data',
      '{"phase":1}',
      '--dry-run',
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/rejected in state negotiating\.awaitingProposal/);
    expect(readFileSync(log).equals(before)).toBe(true);
  });

  it('honours --expect like the append (exit 3 on another head)', () => {
    const log = fresh();
    init(log);
    const run = truce(['append', log, ...misspelt, '--expect', '5', '--dry-run']);
    expect(run.status).toBe(3);
  });
});

describe('truce init --held', () => {
  it('writes the counts held at the opening, by category', () => {
    const log = fresh();
    expect(init(log, '--held', 'living=20', '--held', 'bodies=28').status).toBe(0);
    expect(JSON.parse(readFileSync(log, 'utf8')).data.held).toEqual({ living: 20, bodies: 28 });
    expect(truce(['replay', log, '--json']).stdout).toContain('"held": 48');
  });

  it('a count that is not a whole number, or a category given twice, is a usage error (exit 2)', () => {
    expect(init(fresh(), '--held', 'living=2.5')).toMatchObject({
      status: 2,
      stderr:
        'error: --held expects CATEGORY=N such as women=50 (N a whole number), found "living=2.5"\n',
    });
    expect(init(fresh(), '--held', 'a=1', '--held', 'a=2').status).toBe(2);
  });
});
