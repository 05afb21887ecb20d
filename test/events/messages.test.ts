import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../events/index.js';

function opening(parties: unknown[]) {
  return {
    seq: 1,
    id: 'o',
    type: 'negotiation.opened',
    at: '2024-01-01T00:00:00Z',
    data: { title: 't', parties },
  };
}

function firstIssue(value: unknown) {
  const r = decodeEvent(value);
  if (r.ok) throw new Error('expected a decoding failure');
  return r.issues[0];
}

const israel = { id: 'israel', name: 'Israel', role: 'principal' };

describe('messages of the opening checks', () => {
  it('a party id with a space lists the characters allowed', () => {
    expect(
      firstIssue(
        opening([
          { ...israel, id: 'a b' },
          { ...israel, id: 'b' },
        ]),
      ),
    ).toEqual({
      code: 'invalid_format',
      path: 'data.parties[0].id',
      message: 'expected a short id of letters, digits, _ . -, found "a b"',
    });
  });
  it('a colon is not allowed in a party id (init reads ID:NAME:ROLE)', () => {
    expect(
      firstIssue(
        opening([
          { ...israel, id: 'a:b' },
          { ...israel, id: 'b' },
        ]),
      )?.path,
    ).toBe('data.parties[0].id');
  });
  it('a repeated party id says so once', () => {
    expect(firstIssue(opening([israel, { ...israel, name: 'Other' }]))?.message).toBe(
      'expected a unique party id, found "israel" twice',
    );
  });
  it('too few principals says how many there are', () => {
    expect(
      firstIssue(opening([israel, { id: 'qatar', name: 'Qatar', role: 'mediator' }]))?.message,
    ).toBe('expected at least 2 parties with role "principal", found 1');
  });
});
