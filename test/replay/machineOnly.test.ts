import { describe, expect, it } from 'vitest';
import { Replayer } from '../../replay/index.js';
import { generatedLog } from '../../testing/generator/generatedLog.js';

describe('a replayer that follows the machine only', () => {
  it('goes through a log to the same state and has no projections to give', () => {
    const events = [...generatedLog({ events: 400, seed: 5 })];
    const alone = new Replayer({ project: false });
    const whole = new Replayer();
    for (const event of events) {
      alone.apply(event);
      whole.apply(event);
    }
    expect(alone.state).toBe(whole.state);
    expect(alone.seq).toBe(400);
    for (const ask of [
      () => alone.report(),
      () => alone.snapshot(),
      () => alone.projection(),
      () => alone.checkpoint(false),
    ]) {
      expect(ask).toThrow(/follows the machine only/);
    }
  });
});
