import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { truce } from '../cli/truce.js';

const dir = mkdtempSync(join(tmpdir(), 'truce-cli-store-'));
let n = 0;
const fresh = () => join(dir, `deal-${++n}.jsonl`);
const parties = ['--party', 'israel:Israel:principal', '--party', 'hamas:Hamas:principal'];
const init = (log: string, ...extra: string[]) =>
  truce(['init', log, '--title', 'Talks', ...parties, '--at', '2023-11-22T08:00:00Z', ...extra]);
const aidArgs = ['--type', 'aid.delivered', '--data', '{"region":"south","trucks":200}'];

describe('truce init', () => {
  it('writes negotiation.opened as seq 1 and prints 1', () => {
    const log = fresh();
    const run = init(log, '--id', 'open', '--party', 'qatar:State of Qatar:mediator');
    expect(run).toMatchObject({ status: 0, stdout: '1\n', stderr: '' });
    expect(JSON.parse(readFileSync(log, 'utf8'))).toMatchObject({
      seq: 1,
      id: 'open',
      type: 'negotiation.opened',
      data: {
        title: 'Talks',
        parties: [{ id: 'israel' }, { id: 'hamas' }, { name: 'State of Qatar', role: 'mediator' }],
      },
    });
  });

  it('refuses to overwrite a log that holds events (exit 3)', () => {
    const log = fresh();
    init(log);
    const before = readFileSync(log);
    const run = init(log);
    expect(run.status).toBe(3);
    expect(run.stderr).toBe(
      `error: ${log} already holds 1 event (up to seq 1); truce init only starts a new log, use truce append to add to it\n`,
    );
    expect(readFileSync(log).equals(before)).toBe(true);
  });

  it('a bad --party is a usage error (exit 2); a bad role is an invalid event (exit 1)', () => {
    expect(truce(['init', fresh(), '--title', 'T', '--party', 'israel'])).toMatchObject({
      status: 2,
      stderr:
        'error: --party expects ID:NAME:ROLE such as israel:Israel:principal, found "israel"\n',
    });
    const run = truce([
      'init',
      fresh(),
      '--title',
      'T',
      '--party',
      'a:A:boss',
      '--party',
      'b:B:principal',
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/data\.parties\[0\]\.role: expected one of "principal"/);
  });
});

describe('truce append', () => {
  it('appends one event, prints its seq, and fills --at and --id', () => {
    const log = fresh();
    init(log);
    const run = truce([
      'append',
      log,
      ...aidArgs,
      '--source-name',
      'UN',
      '--source-url',
      'https://un.org',
      '--confidence',
      'reported',
    ]);
    expect(run).toMatchObject({ status: 0, stdout: '2\n', stderr: '' });
    const event = JSON.parse(readFileSync(log, 'utf8').split('\n')[1] as string);
    expect(event).toMatchObject({
      seq: 2,
      type: 'aid.delivered',
      source: { name: 'UN', url: 'https://un.org', confidence: 'reported' },
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs(Date.parse(event.at) - Date.now())).toBeLessThan(60_000);
  });

  it('re-appending an id prints the original seq, writes nothing and notes it', () => {
    const log = fresh();
    init(log);
    truce(['append', log, ...aidArgs, '--id', 'x', '--at', '2023-11-24T10:00:00Z']);
    const before = readFileSync(log);
    const run = truce(['append', log, ...aidArgs, '--id', 'x', '--at', '2023-11-24T10:00:00Z']);
    expect(run).toMatchObject({ status: 0, stdout: '2\n' });
    expect(run.stderr).toBe(
      `note: this event id is already in ${log}; not written again (the seq printed is the stored event's; a different event needs a new --id)\n`,
    );
    expect(readFileSync(log).equals(before)).toBe(true);
  });

  it('--expect with the head appends; with another seq it exits 3 naming the head', () => {
    const log = fresh();
    init(log);
    expect(truce(['append', log, ...aidArgs, '--expect', '1']).status).toBe(0);
    const run = truce(['append', log, ...aidArgs, '--expect', '1']);
    expect(run.status).toBe(3);
    expect(run.stderr).toBe(
      `error: ${log}: expected the log to end at seq 1, but it ends at seq 2\n`,
    );
    expect(truce(['append', log, ...aidArgs, '--expect', 'two']).status).toBe(2);
  });

  it('a rejected event exits 1 with the state and the reason, and leaves the file as it was', () => {
    const log = fresh();
    init(log);
    const before = readFileSync(log);
    const run = truce(['append', log, '--type', 'phase.started', '--data', '{"phase":1}']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `^error: ${log}: line 2 \\(seq 2, type phase\\.started\\): rejected in state negotiating\\.awaitingProposal: .+\\n$`,
      ),
    );
    expect(readFileSync(log).equals(before)).toBe(true);
  });

  it('an invalid event exits 1 naming the field', () => {
    const log = fresh();
    init(log);
    const run = truce([
      'append',
      log,
      '--type',
      'aid.delivered',
      '--data',
      '{"region":"south","trucks":"many"}',
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'error: the new event: line 1 (seq 2, type aid.delivered): data.trucks: expected a number, found "many"\n',
    );
    expect(truce(['append', log, '--type', 'aid.delivered', '--data', '{']).stderr).toMatch(
      /^error: --data is not valid JSON/,
    );
  });

  it('--from FILE appends a batch all or none and prints one seq per event', () => {
    const log = fresh();
    init(log);
    const batch = join(dir, 'batch.jsonl');
    const line = (id: string, trucks: unknown) =>
      JSON.stringify({
        seq: 99,
        id,
        type: 'aid.delivered',
        at: '2023-11-24T10:00:00Z',
        data: { region: 'south', trucks },
      });
    writeFileSync(batch, `${line('b1', 1)}\n${line('b2', 'x')}\n`);
    const bad = truce(['append', log, '--from', batch]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(
      `error: ${batch}: line 2 (seq 3, type aid.delivered): data.trucks: expected a number, found "x"\n`,
    );
    expect(readFileSync(log, 'utf8').split('\n')).toHaveLength(2);
    writeFileSync(batch, `${line('b1', 1)}\r\n${line('b2', 2)}`);
    expect(truce(['append', log, '--from', batch])).toMatchObject({ status: 0, stdout: '2\n3\n' });
    expect(truce(['append', log, '--from', batch])).toMatchObject({ status: 0, stdout: '2\n3\n' });
    writeFileSync(batch, `{"type":"aid.delivered"}\n`);
    expect(truce(['append', log, '--from', batch]).stderr).toBe(
      `error: ${batch}: line 1: id: expected the event id (a string); a batch needs ids so that running it again is safe\n`,
    );
  });

  it('a missing log exits 4 and says how to start one; no file is created', () => {
    const log = fresh();
    expect(truce(['append', log, ...aidArgs])).toMatchObject({
      status: 4,
      stderr: `error: cannot append to ${log}: no such file; start a log with truce init\n`,
    });
    expect(() => readFileSync(log)).toThrow();
  });

  it('--from with --type is a usage error', () => {
    expect(truce(['append', fresh(), '--from', '-', ...aidArgs]).status).toBe(2);
  });
});
