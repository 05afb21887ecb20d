import { describe, expect, it } from 'vitest';
import { decodeEvent, eventWarnings, type TruceEvent } from '../../events/index.js';

function event(at: string, data: Record<string, unknown>): TruceEvent {
  const decoded = decodeEvent({ seq: 2, id: 'e', type: 'violation.reported', at, data });
  if (!decoded.ok) throw new Error(decoded.issues[0]?.message);
  return decoded.value;
}

describe('eventWarnings', () => {
  it('given an event dated before the previous one, then a warning on at naming both instants', () => {
    const warnings = eventWarnings(
      event('2025-10-13T08:00:00+03:00', { by: 'a', description: 'x' }),
      '2025-10-13T06:00:00Z',
    );
    expect(warnings).toEqual([
      {
        path: 'at',
        message:
          "at 2025-10-13T08:00:00+03:00 is earlier than the previous event's 2025-10-13T06:00:00Z (events are taken in log order; is the date right?)",
      },
    ]);
  });

  it('compares instants, not text: a later instant written in another zone is no warning', () => {
    expect(
      eventWarnings(
        event('2025-10-13T10:00:00+03:00', { by: 'a', description: 'x' }),
        '2025-10-13T06:59:59Z',
      ),
    ).toEqual([]);
    expect(
      eventWarnings(event('2025-10-13T06:00:00Z', { by: 'a', description: 'x' }), null),
    ).toEqual([]);
  });

  it('gives the misspelt-field warning of likelyTypos', () => {
    const warnings = eventWarnings(
      event('2025-10-13T06:00:00Z', { by: 'a', description: 'x', agianst: 'b' }),
      null,
    );
    expect(warnings.map((w) => w.path)).toEqual(['data.agianst']);
    expect(warnings[0]?.message).toContain('did you mean data.against?');
  });
});
