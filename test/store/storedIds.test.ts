import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdIndex } from '../../events/index.js';
import { findIdSeqs, nodeFs, StoredIds, UnsettledId } from '../../store/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'truce-ids-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The seqs `findIdSeqs` finds for `ids` in a log of `text` (its lines before `end`). */
async function find(text: string, ids: string[], end = Buffer.byteLength(text)) {
  const path = join(dir, 'log.jsonl');
  writeFileSync(path, text);
  const lines = Buffer.from(text).subarray(0, end).toString().split('\n').length - 1;
  const fd = openSync(path, 'r');
  try {
    const found = await findIdSeqs(nodeFs, fd, end, lines, new Set(ids), (e) => e as Error);
    return Object.fromEntries(found);
  } finally {
    closeSync(fd);
  }
}

const line = (seq: number, id: string, extra = '') =>
  `{"seq":${seq},"id":${JSON.stringify(id)},"type":"aid.delivered"${extra}}\n`;

describe('findIdSeqs', () => {
  it('finds each id at the line that holds it as its id, not where it is only data', async () => {
    const text = `${line(1, 'a', ',"data":{"note":"b"}')}${line(2, 'b')}${line(3, 'c')}`;
    expect(await find(text, ['b', 'c', 'gone'])).toEqual({ b: 2, c: 3 });
  });

  it('finds an id spelt with escapes, or holding a quote, and one on a first line with a BOM or a line ending in CRLF', async () => {
    const text = `\uFEFF${line(1, 'first').replace('\n', '\r\n')}{"seq":2,"id":"\\u0061-2","type":"x"}\n${line(3, 'say "hi"')}`;
    expect(await find(text, ['first', 'a-2', 'say "hi"'])).toEqual({
      first: 1,
      'a-2': 2,
      'say "hi"': 3,
    });
  });

  it('finds ids on lines across the reads (64 KB each), one by one or, asked for many, by parsing every line', async () => {
    const pad = `,"data":{"text":"${'x'.repeat(700)}"}`;
    let text = '';
    for (let seq = 1; seq <= 400; seq++) text += line(seq, `e-${seq}`, pad);
    const few = ['e-1', 'e-93', 'e-94', 'e-188', 'e-400'];
    expect(await find(text, few)).toEqual({
      'e-1': 1,
      'e-93': 93,
      'e-94': 94,
      'e-188': 188,
      'e-400': 400,
    });
    const many = Array.from({ length: 40 }, (_, i) => `e-${i * 10 + 1}`);
    expect(await find(text, [...many, 'e-401'])).toEqual(
      Object.fromEntries(many.map((id, i) => [id, i * 10 + 1])),
    );
    // Only the bytes before `end` are read.
    const end = Buffer.byteLength(text.split('\n').slice(0, 100).join('\n')) + 1;
    expect(await find(text, ['e-100', 'e-101'], end)).toEqual({ 'e-100': 100 });
  });

  it('reads from the end back and stops once all are found; a line found whose seq is not its place is an error, never a wrong seq', async () => {
    const pad = `,"data":{"text":"${'x'.repeat(700)}"}`;
    let text = line(7, 'wrong', pad);
    for (let seq = 2; seq <= 300; seq++) text += line(seq, `e-${seq}`, pad);
    expect(await find(text, ['e-299', 'e-250'])).toEqual({ 'e-299': 299, 'e-250': 250 });
    await expect(find(text, ['wrong'])).rejects.toThrow(/line 1 holds seq 7/);
  });
});

describe('StoredIds', () => {
  it('answers an id only the log can place once the log was read for it, and keeps what was set since', () => {
    const ids = new StoredIds(undefined, 1);
    ids.set('a', 1);
    ids.set('b', 2);
    expect(ids.get('new')).toBeUndefined();
    expect(() => ids.get('a')).toThrow(UnsettledId);
    expect([...ids.unsure(['a', 'b', 'new'])]).toEqual(['a', 'b']);
    ids.settle('a', 1);
    ids.settle('b', undefined);
    expect([ids.get('a'), ids.get('b')]).toEqual([1, undefined]);
    ids.set('b', 3);
    expect(ids.get('b')).toBe(3);
    ids.forgetSettled();
    expect(() => ids.get('b')).toThrow(UnsettledId);
    expect(new StoredIds(new IdIndex()).get('a')).toBeUndefined();
  });
});
