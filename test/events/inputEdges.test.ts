import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeEvent, MAX_COUNT, readLog } from '../../events/index.js';
import { FileEventStore } from '../../store/index.js';
import { truce } from '../cli/truce.js';

// Issue 11, finding 11: the input edges get clear errors, or are accepted on purpose.

const dir = mkdtempSync(join(tmpdir(), 'truce-edges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `edge-${++n}.jsonl`);
const november = join(import.meta.dirname, '..', '..', 'examples', 'november-2023.jsonl');

const opened = (held: string) =>
  `{"seq":1,"id":"o","type":"negotiation.opened","at":"2023-11-22T08:00:00Z","data":{"title":"T","parties":[{"id":"a","name":"A","role":"principal"},{"id":"b","name":"B","role":"principal"}],"held":${held}}}`;

describe('a count named __proto__ is refused, as the README says', () => {
  it('in negotiation.opened held', () => {
    const decoded = decodeEvent(JSON.parse(opened('{"__proto__":5}')));
    expect(decoded).toMatchObject({
      ok: false,
      issues: [
        { path: 'data.held.__proto__', message: expect.stringMatching(/other than __proto__/) },
      ],
    });
  });

  it('by truce validate, exit 1', () => {
    const log = fresh();
    writeFileSync(log, `${opened('{"women":2,"__proto__":5}')}\n`);
    const run = truce(['validate', log]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/data\.held\.__proto__: expected a name other than __proto__/);
  });
});

describe('counts stay exact', () => {
  it(`a count above ${MAX_COUNT} is refused, so totals of millions of events stay below 2^53`, () => {
    for (const count of [MAX_COUNT + 1, 2 ** 53, 2 ** 60]) {
      const decoded = decodeEvent(JSON.parse(opened(`{"women":${count}}`)));
      expect(decoded.ok, String(count)).toBe(false);
    }
    expect(decodeEvent(JSON.parse(opened(`{"women":${MAX_COUNT}}`))).ok).toBe(true);
  });
});

describe('real calendar dates only; --at mistakes are usage errors (exit 2)', () => {
  it.each([['replay'], ['status'], ['timeline']])('truce %s --at 2023-11-31', (command) => {
    const run = truce([command, november, '--at', '2023-11-31']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/"2023-11-31" is not a real date/);
  });

  it.each([['2023-11-31T10:00:00Z'], ['2023-02-29T10:00:00Z'], ['yesterday'], ['2023-11-24']])(
    'truce append --at %s exits 2 and writes nothing',
    (at) => {
      const log = fresh();
      writeFileSync(log, readFileSync(november));
      const before = readFileSync(log);
      const run = truce([
        'append',
        log,
        '--type',
        'aid.delivered',
        '--data',
        '{"region":"south","trucks":1}',
        '--at',
        at,
      ]);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/real calendar day/);
      expect(readFileSync(log).equals(before)).toBe(true);
    },
  );

  it('truce init --at 2024-02-30T00:00:00Z exits 2; 2024-02-29 (a leap day) is fine', () => {
    const args = ['--title', 'T', '--party', 'a:A:principal', '--party', 'b:B:principal'];
    expect(truce(['init', fresh(), ...args, '--at', '2024-02-30T00:00:00Z']).status).toBe(2);
    expect(truce(['init', fresh(), ...args, '--at', '2024-02-29T00:00:00Z']).status).toBe(0);
  });
});

describe('blank lines at the very end of a log are accepted (an editor’s extra newline)', () => {
  const text = readFileSync(november, 'utf8');

  it.each([['\n'], ['\n\n'], ['  \r\n\t\n'], ['\n   ']])(
    'validate and replay accept a log ending in %j',
    (tail) => {
      const log = fresh();
      writeFileSync(log, `${text}${tail}`);
      const run = truce(['validate', log]);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/22 events, valid/);
    },
  );

  it('a blank line between events is still an error, on its own line', async () => {
    const log = fresh();
    const lines = text.split('\n');
    writeFileSync(log, `${lines.slice(0, 3).join('\n')}\n\n${lines.slice(3).join('\n')}`);
    const run = truce(['validate', log]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/line 4: expected an event, found a blank line/);
  });

  it('an append after trailing blank lines writes right after the last event: the log stays valid', async () => {
    const log = fresh();
    const lines = text.split('\n').slice(0, 3);
    writeFileSync(log, `${lines.join('\n')}\n\n \n`);
    const store = new FileEventStore(log, { warn: () => undefined });
    const result = await store.append([
      {
        id: 'after-blank',
        type: 'aid.delivered',
        at: '2023-11-22T10:00:00Z',
        data: { region: 'south', trucks: 1 },
      } as never,
    ]);
    expect(result.seqs).toEqual([4]);
    const ids: string[] = [];
    for await (const { event } of readLog(log)) ids.push(event.id);
    expect(ids).toHaveLength(4);
    expect(ids.at(-1)).toBe('after-blank');
    // Four lines, each ending in \n, the blank ones gone.
    expect(readFileSync(log, 'utf8').split('\n')).toHaveLength(5);
    expect(readFileSync(log, 'utf8').endsWith('}\n')).toBe(true);
  });
});
