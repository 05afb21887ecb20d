import { describe, expect, it } from 'vitest';
import type { TruceEvent } from '../../events/index.js';
import { DealModel } from '../../testing/generator/dealModel.js';
import { generatedLog } from '../../testing/generator/generatedLog.js';
import { seededDraws, sfc32 } from '../../testing/generator/seededDraws.js';

// The long-log generator behind `truce generate` (issue 12, item 1). Its logs' legality is the
// machine's to judge: test/cli/generate.test.ts validates them with the real CLI.

describe('sfc32', () => {
  it('gives the same numbers for a seed, and other numbers for another seed', () => {
    const take = (seed: number) => {
      const next = sfc32(seed);
      return Array.from({ length: 8 }, () => next());
    };
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
    expect(take(2 ** 40 + 7)).not.toEqual(take(7));
    for (const n of take(1)) expect(Number.isInteger(n) && n >= 0 && n < 2 ** 32).toBe(true);
  });

  it('draws every value of a small range about equally often (no pick is starved)', () => {
    const { choice } = seededDraws(3);
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 50_000; i++) counts[choice(5)] = (counts[choice(5)] ?? 0) + 1;
    for (const count of counts) expect(count).toBeGreaterThan(9_000);
    expect(choice(1)).toBe(0);
    expect(choice(0)).toBe(0);
  });
});

describe('generatedLog', () => {
  const types = (events: readonly TruceEvent[]) => {
    const counts = new Map<string, number>();
    for (const e of events) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
    return counts;
  };

  it('numbers events 1..n with unique ids and increasing times', () => {
    const events = [...generatedLog({ events: 2_000, seed: 11 })];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (let i = 1; i < events.length; i++) {
      expect(Date.parse(events[i]?.at ?? '')).toBeGreaterThan(Date.parse(events[i - 1]?.at ?? ''));
    }
  });

  it('keeps cycling on a long log: proposals, phases, collapses and renewed talks throughout', () => {
    const events = [...generatedLog({ events: 20_000, seed: 5 })];
    expect(events).toHaveLength(20_000);
    // Every tenth of the log still has new proposals, started phases and collapses.
    for (let part = 0; part < 10; part++) {
      const counts = types(events.slice(part * 2_000, (part + 1) * 2_000));
      for (const type of ['proposal.sent', 'phase.started', 'hostilities.resumed']) {
        expect(counts.get(type) ?? 0, `${type} in part ${part}`).toBeGreaterThan(1);
      }
    }
    // Renewed talks: after fighting resumed, the next move of the talks is a new proposal
    // (the world's events and counts may come between), many times over.
    let renewed = 0;
    let collapsed = false;
    for (const event of events) {
      if (event.type === 'hostilities.resumed') collapsed = true;
      else if (event.type === 'proposal.sent' && collapsed) {
        renewed++;
        collapsed = false;
      }
    }
    expect(renewed).toBeGreaterThan(10);
  });

  it('forgetting closed proposals changes no event, and keeps the model small', () => {
    const forgetful = new DealModel({ forgetClosed: true });
    const keeping = new DealModel();
    const a = generatedLog({ events: 5_000, seed: 9, model: forgetful });
    const b = generatedLog({ events: 5_000, seed: 9, model: keeping });
    let most = 0;
    for (const event of a) {
      expect(b.next().value).toEqual(event);
      most = Math.max(most, forgetful.proposals.length);
    }
    expect(keeping.proposals.length).toBe(forgetful.proposalsSent);
    expect(keeping.proposals.length).toBeGreaterThan(20);
    expect(most).toBeLessThanOrEqual(5);
  });
});
