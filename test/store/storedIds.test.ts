import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdIndex } from '../../events/index.js';
import { findIdSeqs, idsOfLines, nodeFs, StoredIds, UnsettledId } from '../../store/index.js';
import { numRuns, seed } from '../properties/settings.js';

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

describe('idsOfLines', () => {
  /** `idsOfLines` of a log of `text`, its first `lines` lines (all by default) up to `end`. */
  async function idsOf(text: string, exactLimit?: number, lines?: number, end?: number) {
    const path = join(dir, 'log.jsonl');
    writeFileSync(path, text);
    const fd = openSync(path, 'r');
    try {
      const all = text.split('\n').length - 1;
      const bytes = end ?? Buffer.byteLength(text);
      return await idsOfLines(nodeFs, fd, bytes, lines ?? all, exactLimit, (e) => e as Error);
    } finally {
      closeSync(fd);
    }
  }

  /** The oracle: each line parsed (a BOM dropped), its id added at its seq to a fresh index. */
  function indexOf(text: string, exactLimit?: number): IdIndex {
    const index = new IdIndex(exactLimit === undefined ? {} : { exactLimit });
    for (const [i, one] of text
      .replace(/^\uFEFF/, '')
      .split('\n')
      .slice(0, -1)
      .entries()) {
      const { id, seq } = JSON.parse(one) as { id: string; seq: number };
      expect(seq).toBe(i + 1);
      index.add(id, seq);
    }
    return index;
  }

  /** A line as truce writes it, or in one of the other ways a JSON Lines file may hold it. */
  const shapes = {
    truce: (seq: number, id: string) => `{"seq":${seq},"id":${JSON.stringify(id)},"type":"x"}`,
    idFirst: (seq: number, id: string) => `{"id":${JSON.stringify(id)},"seq":${seq},"type":"x"}`,
    spaced: (seq: number, id: string) => `{ "seq": ${seq}, "id": ${JSON.stringify(id)} }`,
    escaped: (seq: number, id: string) =>
      `{"seq":${seq},"id":"${[...id].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"}`,
    crlf: (seq: number, id: string) => `{"seq":${seq},"id":${JSON.stringify(id)}}\r`,
    // Two keys `id`: JSON.parse keeps the second, as the reader does.
    twice: (seq: number, id: string) =>
      `{"seq":${seq},"id":"decoy-${seq}","type":"x","id":${JSON.stringify(id)}}`,
    // An `id` inside the event's data.
    nested: (seq: number, id: string) =>
      `{"seq":${seq},"id":${JSON.stringify(id)},"data":{"parties":[{"id":"israel"}]}}`,
  };
  type Shape = keyof typeof shapes;

  it('gives the index a replay of the lines fills, whatever the shape of each line, its id or the first line (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.oneof(
            fc.string({ unit: 'grapheme' }),
            fc.nat().map((n) => `gen-${n}`),
          ),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        fc.array(
          fc.constantFrom<Shape>(
            'truce',
            'truce',
            'idFirst',
            'spaced',
            'escaped',
            'crlf',
            'twice',
            'nested',
          ),
        ),
        fc.boolean(),
        fc.constantFrom(undefined, 0, 3),
        async (ids, kinds, bom, exactLimit) => {
          const text = `${bom ? '\uFEFF' : ''}${ids.map((id, i) => `${shapes[kinds[i] ?? 'truce'](i + 1, id)}\n`).join('')}`;
          const got = await idsOf(text, exactLimit);
          expect(got).toBeDefined();
          const want = indexOf(text, exactLimit);
          expect(got?.index.toParts()).toEqual(want.toParts());
          expect(got?.size).toBe(ids.length);
        },
      ),
      { numRuns, seed },
    );
  });

  it('gives nothing for lines a replay would not have taken as they are: a repeated id, a seq out of place, a line with no id, too few or too many lines, or an end inside a line', async () => {
    const ok = `${shapes.truce(1, 'a')}\n${shapes.truce(2, 'b')}\n${shapes.truce(3, 'c')}\n`;
    expect((await idsOf(ok))?.size).toBe(3);
    expect(await idsOf(ok.replace('"c"', '"a"'))).toBeUndefined();
    expect(await idsOf(ok.replace('"c"', '"a"'), 0)).toBeUndefined();
    expect(await idsOf(ok.replace('"seq":3', '"seq":4'))).toBeUndefined();
    expect(await idsOf(ok.replace('"seq":2', '"seq":02'))).toBeUndefined();
    expect(await idsOf(ok.replace('"id":"b"', '"id":7'))).toBeUndefined();
    expect(await idsOf(ok.replace('"id":"b"', '"name":"b"'))).toBeUndefined();
    expect(await idsOf(`${ok}not json\n`, undefined, 4)).toBeUndefined();
    expect(await idsOf(ok, undefined, 2)).toBeUndefined();
    expect(await idsOf(ok, undefined, 4)).toBeUndefined();
    expect(await idsOf(ok, undefined, 3, Buffer.byteLength(ok) - 1)).toBeUndefined();
    // Two lines of the three, up to the end of the second.
    expect((await idsOf(ok, undefined, 2, ok.indexOf('\n', ok.indexOf('\n') + 1) + 1))?.size).toBe(
      2,
    );
  });

  it('reads a log of many chunks whole, its lines across their bounds', async () => {
    const pad = 'x'.repeat(900);
    let text = '';
    for (let seq = 1; seq <= 3_000; seq++)
      text += `${shapes.truce(seq, `e-${seq}`).slice(0, -1)},"p":"${pad}"}\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(2 * 1024 * 1024);
    const got = await idsOf(text, 100);
    expect(got?.index.toParts()).toEqual(indexOf(text, 100).toParts());
  });
});
