import { isUtf8 } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fileChunks,
  readLog,
  StoreError,
  splitLines,
  UpcasterRegistry,
  ValidationError,
} from '../../events/index.js';
import { replayLog } from '../../replay/index.js';
import { numRuns, seed } from '../properties/settings.js';
import { badLogs, event, goodLogs, openingLines } from './logFixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'truce-reader-'));

async function* chunksOf(content: string | Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(...args: Parameters<typeof readLog>) {
  const entries = [];
  for await (const entry of readLog(...args)) entries.push(entry);
  return entries;
}

async function failure(...args: Parameters<typeof readLog>): Promise<unknown> {
  try {
    await readAll(...args);
  } catch (error) {
    return error;
  }
  throw new Error('expected the log to be rejected');
}

describe('readLog on bad input', () => {
  it.each(badLogs)('given $name, it stops at the line with its reason', async (bad) => {
    const path = join(dir, 'bad.jsonl');
    writeFileSync(path, bad.content);
    const error = await failure(path);
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.code).toBe('INVALID_LOG');
    expect(v.position.line).toBe(bad.line);
    expect(v.message).toMatch(bad.message);
    expect(v.message.startsWith(`${path}: line ${bad.line}`)).toBe(true);
    expect(v.torn).toBe(bad.torn ?? false);
  });

  it.each(badLogs)('given $name in 7-byte chunks, it reports the same', async (bad) => {
    const error = await failure(chunksOf(bad.content), { file: 'deal.jsonl' });
    expect((error as ValidationError).message).toMatch(bad.message);
    expect((error as ValidationError).message).toMatch(/^deal\.jsonl: line /);
  });

  it('yields the good lines before the bad one', async () => {
    const seen: number[] = [];
    await expect(async () => {
      for await (const { line } of readLog(chunksOf(`${openingLines.join('\n')}\n{oops\n`))) {
        seen.push(line);
      }
    }).rejects.toThrow(/line 4: not valid JSON/);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('yields the good lines before the bad one when they all come in one chunk', async () => {
    const content = `${openingLines.join('\n')}\n{oops\n`;
    const seen: number[] = [];
    await expect(async () => {
      for await (const { line } of readLog(chunksOf(content, content.length))) seen.push(line);
    }).rejects.toThrow(/line 4: not valid JSON/);
    expect(seen).toEqual([1, 2, 3]);
    const lines: number[] = [];
    await expect(async () => {
      for await (const raw of splitLines(chunksOf(`a\nb\n${'x'.repeat(50)}\nc\n`, 100), {
        maxLineBytes: 10,
      })) {
        lines.push(raw.line);
      }
    }).rejects.toThrow(/line 3 is longer than 10 bytes/);
    expect(lines).toEqual([1, 2]);
  });

  it('replay meets an illegal event before a malformed line after it in the same chunk', async () => {
    const illegal = JSON.stringify(event(2, { type: 'phase.started', data: { phase: 1 } }));
    const content = `${openingLines[0]}\n${illegal}\n{oops\n`;
    await expect(replayLog(chunksOf(content, content.length))).rejects.toThrow(
      /line 2 \(seq 2, type phase\.started\): rejected/,
    );
  });

  it('names the field path and the seq and type of the line', async () => {
    const error = (await failure(
      chunksOf(`${openingLines[0]}\n${JSON.stringify(event(2, { data: { trucks: 'x' } }))}\n`),
    )) as ValidationError;
    expect(error.position).toEqual({ line: 2, seq: 2, type: 'aid.delivered' });
    expect(error.path).toBe('data.region');
  });
});

describe('readLog on good input', () => {
  it.each(goodLogs)('reads $name', async (good) => {
    const path = join(dir, 'good.jsonl');
    writeFileSync(path, good.content);
    const entries = await readAll(path);
    expect(entries).toHaveLength(good.events);
    expect(entries.map((e) => e.event.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries.map((e) => e.line)).toEqual(entries.map((_, i) => i + 1));
    for (const entry of entries) {
      expect(entry.text).not.toMatch(/[\r\n\ufeff]/);
      expect(() => JSON.parse(entry.text)).not.toThrow();
    }
  });

  it('keeps unknown fields', async () => {
    const text = JSON.stringify(
      event(1, { editor: 'kb', data: { region: 'n', trucks: 1, convoy: 'A7' } }),
    );
    const [entry] = await readAll(chunksOf(`${text}\n`));
    expect(entry?.event).toMatchObject({ editor: 'kb', data: { convoy: 'A7' } });
  });

  it('reads a time the compiled decoder leaves to zod (a fraction of one digit), and refuses one zod refuses', async () => {
    // `.5` is no plain instant (three digits or none): the fast decoder is not sure, zod decides.
    const text = JSON.stringify(event(1, { at: '2023-11-22T08:00:00.5+02:00' }));
    const [entry] = await readAll(chunksOf(`${text}\n`));
    expect(entry?.event.at).toBe('2023-11-22T08:00:00.5+02:00');
    const bad = JSON.stringify(event(1, { at: '2023-11-22T08:00+02:00' }));
    const error = (await failure(chunksOf(`${bad}\n`))) as ValidationError;
    expect(error.rule).toBe('format.schema');
    expect(error.position.line).toBe(1);
  });

  it('gives the byte offset where each line ends, for truncating a torn tail', async () => {
    const content = `\ufeff${openingLines[0]}\r\n${openingLines[1]}\n${(openingLines[2] as string).slice(0, 9)}`;
    const ends: number[] = [];
    await expect(async () => {
      for await (const entry of readLog(chunksOf(content))) ends.push(entry.end);
    }).rejects.toMatchObject({ torn: true });
    const bytes = Buffer.from(content);
    expect(ends).toEqual([
      bytes.indexOf('\n') + 1,
      bytes.indexOf('\n', (ends[0] as number) + 1) + 1,
    ]);
  });
});

describe('readLog limits', () => {
  it('reads a valid 10 MB line', async () => {
    const big = JSON.stringify(
      event(1, { data: { region: 'n', trucks: 1, notes: 'x'.repeat(10_000_000) } }),
    );
    const [entry] = await readAll(chunksOf(`${big}\n`, 65_536));
    expect(entry?.text.length).toBe(big.length);
  });

  it('reports a 10 MB line of garbage as bad JSON, briefly', async () => {
    const error = (await failure(chunksOf(`${'x'.repeat(10_000_000)}\n`, 65_536))) as Error;
    expect(error.message).toMatch(/line 1: not valid JSON/);
    expect(error.message.length).toBeLessThan(300);
  });

  it('stops a line longer than the cap with a clear error, without holding it', async () => {
    const error = await failure(chunksOf(`${'x'.repeat(5000)}\n`, 100), { maxLineBytes: 1000 });
    expect((error as Error).message).toMatch(/line 1: expected a line of at most 1000 bytes/);
  });

  it('reads 100,000-deep nesting in an unknown field without crashing', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const text = `{"seq":1,"id":"a","type":"aid.delivered","at":"2023-11-24T07:00:00Z","data":{"region":"n","trucks":1,"deep":${deep}}}`;
    const entries = await readAll(chunksOf(`${text}\n`, 65_536));
    expect(entries).toHaveLength(1);
  });

  it('rejects 100,000-deep nesting where an object belongs', async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const text = `{"seq":1,"id":"a","type":"aid.delivered","at":"2023-11-24T07:00:00Z","data":{"region":${deep},"trucks":1}}`;
    const error = await failure(chunksOf(`${text}\n`, 65_536));
    expect((error as Error).message).toMatch(
      /line 1 .*data.region: expected a string, found an object/,
    );
  });

  it('never lets __proto__ or constructor keys pollute prototypes', async () => {
    const text =
      '{"seq":1,"id":"a","type":"aid.delivered","at":"2023-11-24T07:00:00Z","__proto__":{"polluted":"top"},' +
      '"data":{"region":"n","trucks":1,"__proto__":{"polluted":"data","trucks":-1},"constructor":{"prototype":{"polluted":"ctor"}}}}';
    const [entry] = await readAll(chunksOf(`${text}\n`));
    if (!entry) throw new Error('expected one entry');
    const data = entry.event.data as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(entry.event)).toBe(Object.prototype);
    expect(data.polluted).toBeUndefined();
    expect(data.trucks).toBe(1);
    expect((entry.event as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('readLog I/O failures', () => {
  it('says a missing file is missing, as a StoreError', async () => {
    const error = await failure(join(dir, 'nope.jsonl'));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('STORE_IO');
    expect((error as Error).message).toBe(`cannot read ${join(dir, 'nope.jsonl')}: no such file`);
  });

  it('says a directory is a directory', async () => {
    const error = await failure(dir);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/it is a directory/);
  });
});

describe('upcasting on read', () => {
  const v0 = JSON.stringify({
    seq: 1,
    id: 'old-1',
    type: 'aid.delivered',
    at: '2023-11-24T07:00:00Z',
    v: 0,
    data: { region: 'rafah', count: 200 },
  });

  it('given an upcaster from version 0 of aid.delivered, it reads a v: 0 line as version 1', async () => {
    const upcasters = new UpcasterRegistry().register('aid.delivered', 0, (d) => ({
      region: d.region,
      trucks: d.count,
    }));
    const [entry] = await readAll(chunksOf(`${v0}\n`), { upcasters });
    expect(entry?.event).toMatchObject({
      v: 1,
      type: 'aid.delivered',
      data: { region: 'rafah', trucks: 200 },
    });
  });

  it('without that upcaster, it names the missing step', async () => {
    const error = await failure(chunksOf(`${v0}\n`));
    expect((error as Error).message).toMatch(
      /line 1 .*v: no upcaster from version 0 of aid.delivered/,
    );
  });

  it('refuses a version newer than this truce', async () => {
    const error = await failure(chunksOf(`${JSON.stringify(event(1, { v: 2 }))}\n`));
    expect((error as Error).message).toMatch(/v: expected version 1 or older/);
  });
});

describe('splitLines', () => {
  it('cuts at \\n across chunk borders and marks an unterminated tail', async () => {
    const lines = [];
    for await (const l of splitLines(chunksOf('ab\ncd\n\nef', 2), { maxLineBytes: 10 })) {
      lines.push([l.line, Buffer.from(l.bytes).toString(), l.terminated, l.end]);
    }
    expect(lines).toEqual([
      [1, 'ab', true, 3],
      [2, 'cd', true, 6],
      [3, '', true, 7],
      [4, 'ef', false, 9],
    ]);
  });

  it('gives the bytes and the text of lines that lie within one chunk', async () => {
    const lines = [];
    for await (const l of splitLines(chunksOf('ab\nnörd\n\r\nef', 100), { maxLineBytes: 10 })) {
      lines.push([l.line, Buffer.from(l.bytes).toString(), l.text, l.terminated, l.end]);
    }
    expect(lines).toEqual([
      [1, 'ab', 'ab', true, 3],
      [2, 'nörd', 'nörd', true, 9],
      [3, '\r', '\r', true, 11],
      [4, 'ef', undefined, false, 13],
    ]);
  });

  it('cuts any text in any chunks as a split of its bytes at \\n would', async () => {
    // ASCII chunks are decoded once and sliced per line; others are decoded line by line:
    // either way a line is its bytes, its text is those bytes decoded, and `end` its offset.
    const text = fc.string({ unit: fc.constantFrom('a', '{', '}', '"', '\n', '\r', 'é', '😀') });
    await fc.assert(
      fc.asyncProperty(text, fc.integer({ min: 1, max: 24 }), async (content, size) => {
        const bytes = Buffer.from(content);
        const expected: Array<[number, string, boolean, number]> = [];
        let start = 0;
        for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, start)) {
          expected.push([expected.length + 1, bytes.toString('hex', start, nl), true, nl + 1]);
          start = nl + 1;
        }
        if (start < bytes.length) {
          expected.push([expected.length + 1, bytes.toString('hex', start), false, bytes.length]);
        }
        const lines = [];
        for await (const l of splitLines(chunksOf(bytes, size), { maxLineBytes: 100 })) {
          const hex = Buffer.from(l.bytes).toString('hex');
          if (l.text !== undefined) expect(l.text).toBe(Buffer.from(l.bytes).toString());
          lines.push([l.line, hex, l.terminated, l.end]);
        }
        expect(lines).toEqual(expected);
      }),
      { numRuns, seed },
    );
  });
});

describe('reading a file in chunks of any size', () => {
  it('gives the same entries whatever the chunk size (the read buffers take turns)', async () => {
    const path = join(import.meta.dirname, '..', '..', 'examples', 'november-2023.jsonl');
    const whole = await readAll(path);
    expect(whole.length).toBeGreaterThan(20);
    for (const chunkSize of [1, 2, 3, 7, 64, 333]) {
      expect(await readAll(path, { chunkSize })).toEqual(whole);
    }
  });
});

// Lines that lie within one chunk whose whole lines are valid UTF-8 arrive decoded from the
// splitter (`RawLine.text`); the others (cut across chunks, or in a chunk with a bad byte) are
// decoded by the reader, line by line. Read in one-byte chunks, every line is the second kind:
// that is the reference here, for texts with multi-byte characters, a BOM, carriage returns,
// blank lines and bytes that are not UTF-8.
describe('lines decoded a chunk at a time (fast-check)', () => {
  /** What a read gives: the entries' line, text, end and event, then the error, if any. */
  async function outcome(chunks: AsyncIterable<Uint8Array>) {
    const entries: unknown[] = [];
    try {
      for await (const e of readLog(chunks)) entries.push([e.line, e.text, e.end, e.event]);
    } catch (error) {
      const v = error as ValidationError;
      return { entries, error: [v.message, v.position, v.rule, v.torn] };
    }
    return { entries, error: null };
  }

  async function* cutAt(bytes: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
    let from = 0;
    for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
      if (cut > from) yield bytes.subarray(from, cut);
      from = Math.max(from, cut);
    }
    if (from < bytes.length) yield bytes.subarray(from);
  }

  const text = fc.constantFrom('north', 'צפון', 'الشمال', 'nörd 🚚', 'a\u00e9b', '\u2028');
  const line = fc.oneof(
    {
      weight: 6,
      arbitrary: text.map((region) => ({ kind: 'event' as const, region, bad: [], at: 0 })),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'blank' as const }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            [0xff],
            [0xc0, 0xaf],
            [0xed, 0xa0, 0x80],
            [0xe2, 0x82],
            [0xf4, 0x90, 0x80, 0x80],
          ),
          fc.nat(),
        )
        .map(([bad, at]) => ({ kind: 'bad' as const, region: 'north', bad, at })),
    },
  );

  it('gives the same entries and the same error whatever the chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (lines, bom, crlf, cuts) => {
          const parts: Buffer[] = [];
          let seq = 0;
          for (const l of lines) {
            if (l.kind === 'blank') parts.push(Buffer.from(''));
            else {
              seq++;
              const json = Buffer.from(
                JSON.stringify(event(seq, { data: { region: l.region, trucks: 1 } })),
              );
              if (l.kind === 'event') parts.push(json);
              else {
                const at = l.at % (json.length + 1);
                parts.push(
                  Buffer.concat([json.subarray(0, at), Buffer.from(l.bad), json.subarray(at)]),
                );
              }
            }
          }
          const body = Buffer.concat(parts.flatMap((p) => [p, Buffer.from(crlf ? '\r\n' : '\n')]));
          const bytes = bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
          const reference = await outcome(chunksOf(bytes, 1));
          expect(await outcome(chunksOf(bytes, 1 << 16))).toEqual(reference);
          expect(await outcome(cutAt(bytes, cuts))).toEqual(reference);
        },
      ),
      { numRuns, seed },
    );
  });

  it('takes bytes as UTF-8 exactly when a fatal TextDecoder does', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const byte = fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0xbf }),
      fc.integer({ min: 0xc0, max: 0xff }),
      fc.constantFrom(0xc0, 0xc1, 0xe0, 0xed, 0xf0, 0xf4, 0xf5, 0x80, 0x9f, 0xa0, 0xbf),
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (values) => {
        const bytes = Buffer.from(values);
        let decodes = true;
        try {
          decoder.decode(bytes);
        } catch {
          decodes = false;
        }
        expect(isUtf8(bytes)).toBe(decodes);
      }),
      { numRuns: Math.max(2000, numRuns * 20), seed },
    );
  });
});

describe('fileChunks', () => {
  const path = join(import.meta.dirname, '..', '..', 'examples', 'november-2023.jsonl');

  it('by default gives chunks a caller may keep: joined at the end they are the file', async () => {
    const kept: Uint8Array[] = [];
    for await (const chunk of fileChunks(path, { chunkSize: 64 })) kept.push(chunk);
    expect(kept.length).toBeGreaterThan(3);
    expect(Buffer.concat(kept).equals(readFileSync(path))).toBe(true);
  });

  it('with reuseBuffers, gives the same bytes to a caller that copies each chunk before the next', async () => {
    const copies: Buffer[] = [];
    for await (const chunk of fileChunks(path, { chunkSize: 64, reuseBuffers: true })) {
      copies.push(Buffer.from(chunk));
    }
    expect(Buffer.concat(copies).equals(readFileSync(path))).toBe(true);
  });

  it('from a start and up to an end gives exactly those bytes, in chunks of any size', async () => {
    const whole = readFileSync(path);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: whole.length }),
        fc.nat({ max: whole.length }),
        fc.integer({ min: 1, max: 300 }),
        fc.boolean(),
        async (a, b, chunkSize, reuseBuffers) => {
          const [start, end] = a <= b ? [a, b] : [b, a];
          const copies: Buffer[] = [];
          for await (const chunk of fileChunks(path, { chunkSize, reuseBuffers, start, end })) {
            copies.push(Buffer.from(chunk));
          }
          expect(Buffer.concat(copies).equals(whole.subarray(start, end))).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it.skipIf(process.platform !== 'linux')(
    'refuses to read a pipe from a start past its first byte',
    async () => {
      const fifo = join(mkdtempSync(join(tmpdir(), 'truce-fifo-')), 'pipe');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      // Opened without blocking and named by its descriptor, as a shell's `<(…)` names one.
      const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        const chunks = fileChunks(`/dev/fd/${fd}`, { chunkSize: 64, start: 1 });
        await expect(chunks.next()).rejects.toThrow(
          `cannot read /dev/fd/${fd} from byte 1: it is a pipe, which is read from its start only`,
        );
      } finally {
        closeSync(fd);
      }
    },
  );
});
