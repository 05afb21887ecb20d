import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { readLog } from '../../events/index.js';
import { legalLog } from '../../testing/generator/legalLog.js';
import { checkAsyncProperty, propertyTimeout, toJsonl } from './settings.js';

/** The bytes in chunks cut at the given sizes: lines and UTF-8 characters split anywhere. */
async function* chunked(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const size = sizes.length ? (sizes[i++ % sizes.length] as number) : bytes.length;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

describe('log round trip (fast-check)', { timeout: propertyTimeout }, () => {
  it('a written log reads back byte for byte, however it is chunked', async () => {
    const property = fc.asyncProperty(
      legalLog(),
      fc.array(fc.integer({ min: 1, max: 4096 }), { maxLength: 5 }),
      async (events, sizes) => {
        const text = toJsonl(events);
        const bytes = new TextEncoder().encode(text);
        let out = '';
        let n = 0;
        for await (const entry of readLog(chunked(bytes, sizes))) {
          out += `${entry.text}\n`;
          const original = events[n++];
          if (!isDeepStrictEqual(entry.event, original)) {
            throw new Error(`line ${entry.line} decodes to a different event`);
          }
        }
        if (n !== events.length) throw new Error(`read ${n} of ${events.length} events`);
        if (out !== text) throw new Error('the lines read differ from the lines written');
      },
    );
    await checkAsyncProperty('write-read-round-trip', property, (events, _sizes) => events);
  });
});
