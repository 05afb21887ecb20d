import { describe, expect, it } from 'vitest';
import { decodeEvent, likelyTypos, type TruceEvent } from '../../events/index.js';

function event(type: string, data: Record<string, unknown>): TruceEvent {
  const r = decodeEvent({ seq: 1, id: 'e', type, at: '2024-01-01T00:00:00Z', data });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

describe('likely typos in data', () => {
  it('flags a misspelt optional field with the field meant', () => {
    expect(likelyTypos(event('release.completed', { phase: 1, hostage: [] }))).toEqual([
      { path: 'data.hostage', suggestion: 'data.hostages' },
    ]);
    expect(likelyTypos(event('aid.delivered', { region: 'n', trucks: 1, fuelTruck: 2 }))).toEqual([
      { path: 'data.fuelTruck', suggestion: 'data.fuelTrucks' },
    ]);
    expect(likelyTypos(event('release.completed', { phase: 1, OutsideDeal: [] }))).toEqual([
      { path: 'data.OutsideDeal', suggestion: 'data.outsideDeal' },
    ]);
  });
  it('leaves deliberate extra fields alone', () => {
    expect(likelyTypos(event('release.completed', { phase: 1, detail: 'x', note: 'y' }))).toEqual(
      [],
    );
    expect(likelyTypos(event('hostilities.resumed', { id: 'x', at: 'y' }))).toEqual([]);
    expect(
      likelyTypos(event('aid.delivered', { region: 'n', trucks: 1, reachedNorth: 61 })),
    ).toEqual([]);
  });
});
