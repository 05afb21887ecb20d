import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../events/index.js';
import { Replayer } from '../../replay/index.js';
import { type NewEvent, prepareAppend } from '../../store/index.js';
import { aid, opened } from './fixtures.js';

const fresh = () => ({ head: 0, ids: new Map<string, number>(), replayer: new Replayer() });

describe('prepareAppend', () => {
  it('names the line of the whole when told how many lines came before the batch', () => {
    const bad = { ...aid('x'), id: 5 } as unknown as NewEvent;
    for (const [lineOffset, line] of [
      [undefined, 2],
      [0, 2],
      [7, 9],
    ] as const) {
      const options = lineOffset === undefined ? {} : { lineOffset };
      let error: unknown;
      try {
        prepareAppend(fresh(), [opened(), bad], { ...options, batchName: 'f.jsonl' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toMatch(new RegExp(`^f\\.jsonl: line ${line}\\b`));
    }
    // A repeated id names the first line it was on, counted the same way.
    expect(() =>
      prepareAppend(fresh(), [opened(), aid('a'), aid('a')], {
        lineOffset: 10,
        batchName: 'f.jsonl',
      }),
    ).toThrow(/line 13\b.*already used on line 12 of f\.jsonl/);
  });
});
