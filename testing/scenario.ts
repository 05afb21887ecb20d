import {
  decodeEvent,
  type EventData,
  type EventType,
  RejectedEventError,
  type TruceEvent,
} from '../events/index.js';
import { isRuleCode, type RuleCode } from '../machines/index.js';
import type { ReplayReport } from '../projections/index.js';
import { Replayer } from '../replay/index.js';

/** An event as a test writes it: `seq`, `id` and `at` are filled in when left out. */
export type EventInput = {
  [T in EventType]: {
    type: T;
    data: EventData<T>;
    at?: string;
    id?: string;
    source?: TruceEvent['source'];
  };
}[EventType];

/** Thrown when a scenario's expectation does not hold; test runners show its message. */
export class ScenarioAssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioAssertionError';
  }
}

const BASE_TIME = Date.parse('2024-01-01T00:00:00Z');

function complete(input: EventInput, seq: number): TruceEvent {
  const raw = {
    seq,
    id: input.id ?? `e${seq}`,
    at: input.at ?? new Date(BASE_TIME + seq * 3_600_000).toISOString(),
    type: input.type,
    data: input.data,
    ...(input.source ? { source: input.source } : {}),
  };
  const decoded = decodeEvent(raw);
  if (!decoded.ok) {
    const issue = decoded.issues[0];
    throw new ScenarioAssertionError(
      `event ${seq} (${input.type}) is not a valid event: ${issue?.path ? `${issue.path}: ` : ''}${issue?.message ?? ''}`,
    );
  }
  return decoded.value;
}

/** What happened when the `when` event met the machine. */
export class ScenarioOutcome {
  readonly #replayer: Replayer;
  readonly #rejection: RejectedEventError | null;
  readonly #event: TruceEvent;

  /** @internal */
  constructor(replayer: Replayer, event: TruceEvent, rejection: RejectedEventError | null) {
    this.#replayer = replayer;
    this.#event = event;
    this.#rejection = rejection;
  }

  /** The rejection, if the machine refused the event. */
  get rejection(): RejectedEventError | null {
    return this.#rejection;
  }

  /** The report after the event (or before it, when it was rejected). */
  get report(): ReplayReport {
    return this.#replayer.report();
  }

  /**
   * Expects the event to be taken and the machine to be in `state`: a dotted path, or a
   * prefix of one (`negotiating` matches `negotiating.proposalOnTable`).
   */
  thenState(state: string): this {
    if (this.#rejection) {
      throw new ScenarioAssertionError(
        `expected state ${state} after ${this.#event.type}, but it was rejected: ${this.#rejection.reason}`,
      );
    }
    const actual = this.#replayer.state;
    if (actual !== state && !actual.startsWith(`${state}.`)) {
      throw new ScenarioAssertionError(`expected state ${state}, found ${actual}`);
    }
    return this;
  }

  /**
   * Expects the event to be rejected: by the rule `code` when given (one of the machine's
   * `RULE_CODES`), and with a reason matching `reason` (a substring or a RegExp) when given.
   * A first argument that is not a rule code is taken as the reason.
   */
  thenRejected(code?: RuleCode | RegExp | string, reason?: RegExp | string): this {
    if (!this.#rejection) {
      throw new ScenarioAssertionError(
        `expected ${this.#event.type} to be rejected, but it was taken (state ${this.#replayer.state})`,
      );
    }
    const { rule, reason: text } = this.#rejection;
    const byCode = typeof code === 'string' && isRuleCode(code);
    if (byCode && rule !== code) {
      throw new ScenarioAssertionError(
        `expected a rejection by rule ${code}, found ${rule}: ${text}`,
      );
    }
    const pattern = byCode ? reason : (code ?? reason);
    const matches =
      pattern === undefined ||
      (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
    if (!matches) {
      throw new ScenarioAssertionError(
        `expected a rejection matching ${String(pattern)}, found: ${text}`,
      );
    }
    return this;
  }

  /** Expects the event to be taken, and lets `check` inspect the report (throw to fail). */
  thenReport(check: (report: ReplayReport) => void): this {
    if (this.#rejection) {
      throw new ScenarioAssertionError(
        `expected ${this.#event.type} to be taken, but it was rejected: ${this.#rejection.reason}`,
      );
    }
    check(this.report);
    return this;
  }
}

/** Events already in the log, ready for a `when`. */
export class Scenario {
  readonly #given: readonly EventInput[];

  /** @internal */
  constructor(given: readonly EventInput[]) {
    this.#given = given;
  }

  /** Replays the given events (each must be legal), then offers `event` to the machine. */
  when(event: EventInput): ScenarioOutcome {
    const replayer = new Replayer();
    this.#given.forEach((input, i) => {
      const e = complete(input, i + 1);
      try {
        replayer.apply(e);
      } catch (error) {
        if (error instanceof RejectedEventError) {
          throw new ScenarioAssertionError(
            `given event ${i + 1} (${e.type}) was rejected: ${error.reason}`,
          );
        }
        throw error;
      }
    });
    const next = complete(event, this.#given.length + 1);
    try {
      replayer.apply(next);
      return new ScenarioOutcome(replayer, next, null);
    } catch (error) {
      if (error instanceof RejectedEventError) return new ScenarioOutcome(replayer, next, error);
      throw error;
    }
  }
}

/**
 * Starts a given/when/then test of the deal statechart.
 *
 * @example
 * given([opened, proposal, acceptIsrael, acceptHamas])
 *   .when({ type: 'phase.started', data: { phase: 1 } })
 *   .thenState('inPhase');
 */
export function given(events: readonly EventInput[]): Scenario {
  return new Scenario(events);
}
