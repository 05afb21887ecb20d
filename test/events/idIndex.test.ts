import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../events/index.js';

describe('IdIndex', () => {
  it.each([
    ['exact', 1_000_000],
    ['fingerprints', 10],
  ])('finds every repeated id and only those (%s)', (_mode, exactLimit) => {
    const ids = new IdIndex({ exactLimit });
    for (let line = 1; line <= 50_000; line++) {
      expect(ids.firstLine(`ev-${line}`)).toBeUndefined();
      ids.add(`ev-${line}`, line);
    }
    expect(ids.size).toBe(50_000);
    const lineOf = (n: number) => (exactLimit > 50_000 ? n : 0);
    expect(ids.firstLine('ev-1')).toBe(lineOf(1));
    expect(ids.firstLine('ev-12345')).toBe(lineOf(12_345));
    expect(ids.firstLine('ev-50000')).toBe(lineOf(50_000));
    expect(ids.firstLine('ev-50001')).toBeUndefined();
    expect(ids.firstLine('')).toBeUndefined();
  });

  it('files each id under its own fingerprint, whichever id was asked about last', () => {
    const ids = new IdIndex({ exactLimit: 0 });
    expect(ids.firstLine('asked')).toBeUndefined();
    ids.add('added', 1);
    ids.add('other', 2);
    expect(ids.firstLine('asked')).toBeUndefined();
    expect(ids.firstLine('added')).toBe(0);
    expect(ids.firstLine('other')).toBe(0);
    expect(ids.firstLine('more')).toBeUndefined();
    ids.add('more', 3);
    expect(ids.firstLine('more')).toBe(0);
    expect(ids.size).toBe(3);
  });
});
