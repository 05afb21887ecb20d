import { RejectedEventError, type TruceEvent } from '../../events/index.js';
import { Replayer } from '../../replay/index.js';

/** The rule code a rejection carries (`release.exceedsTerms`, `party.notDeclared`, …). */
export function ruleOf(error: RejectedEventError): string {
  return error.rule;
}

/** Whether a rejection is for `rule`. */
export function rejectedFor(error: RejectedEventError, rule: string): boolean {
  return error.rule === rule;
}

/** Replays until the machine rejects an event: the replayer, and the rejection if any. */
export function replayUntilRejected(events: readonly TruceEvent[]): {
  replayer: Replayer;
  rejection?: RejectedEventError;
} {
  const replayer = new Replayer();
  for (const [i, event] of events.entries()) {
    try {
      replayer.apply(event, i + 1);
    } catch (error) {
      if (error instanceof RejectedEventError) return { replayer, rejection: error };
      throw error;
    }
  }
  return { replayer };
}
