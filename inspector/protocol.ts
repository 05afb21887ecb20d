import type { ReplayReport } from '../projections/index.js';
import type { ChangedLeaf } from './keyPaths.js';

/** One state of the statechart as the page draws it. */
export interface GraphState {
  /** Dotted path, e.g. `negotiating.proposalOnTable`; the root is not a node. */
  path: string;
  /** The state's own key, e.g. `proposalOnTable`. */
  key: string;
  /** Dotted path of the parent state, `null` for top-level states. */
  parent: string | null;
  kind: 'atomic' | 'compound' | 'final';
  /** Whether it is its parent's initial state. */
  initial: boolean;
}

/** One transition of the statechart. */
export interface GraphTransition {
  /** Stable within one run of the server: `t0`, `t1`, … in definition order. */
  id: string;
  /** Dotted path of the state that declares it. */
  source: string;
  /** Dotted paths of its targets; empty for a transition that stays in its state. */
  targets: string[];
  /** The event type, or `always` for an eventless transition. */
  event: string;
  /** The guard's name, when it has one. */
  guard: string | null;
}

/** The statechart drawn from the machine's own definition. */
export interface MachineGraph {
  id: string;
  states: GraphState[];
  transitions: GraphTransition[];
}

/** One applied event of the log, with what it did to the statechart. */
export interface StepView {
  /** 1-based index of the step; equals the event's seq. */
  seq: number;
  line: number;
  /** The event as decoded from the log (untrusted text inside). */
  event: { seq: number; id: string; type: string; at: string; data: unknown; source?: unknown };
  /** State path before and after the event. */
  before: string;
  after: string;
  /** Ids of the transitions taken, in order, eventless ones included. */
  transitions: string[];
}

/** Why the log stops where it does, when it does not simply end. */
export interface ProblemView {
  kind: 'rejected' | 'invalid' | 'torn' | 'io';
  /** The line at fault (0 when unknown). */
  line: number;
  /** The full one-sentence message, as `truce replay` prints it. */
  message: string;
  /** For a rejection: the state it happened in and the broken rule. */
  state?: string;
  reason?: string;
  /** The rule broken, by its stable code (README, "Rule codes"): `party.notPrincipal`, `format.torn`, … */
  code?: string;
  /** For a rejection: the event refused. */
  event?: StepView['event'];
}

/**
 * The log as the page first sees it (`GET /api/log`), and each live update: everything from
 * step `from` on (0: the whole log) is as this says, the steps before it are unchanged. A
 * message carries the last {@link STEP_WINDOW} steps at most (`LogSession.view`): a million
 * steps took seconds to write as one message and the page seconds to read.
 */
export interface LogView {
  /** The log file as given on the command line. */
  file: string;
  /** Bumps on every change of the log. */
  revision: number;
  /** Index in the log's steps from which this message applies; 0 for the whole log. */
  from: number;
  /** The steps from index `start` on: all of them, or the last few. */
  steps: StepView[];
  problem: ProblemView | null;
  /**
   * How many steps the log has. The server sends at most {@link STEP_WINDOW} steps in a message;
   * the page asks for others a window at a time (`GET /api/steps/:start`, a {@link StepsView}).
   */
  count: number;
  /** Index of `steps[0]` in the log's steps (`from`, or later when the steps since are many). */
  start: number;
  /**
   * For each step from `from` to `count`, `1` if it moved the statechart to another state and
   * `0` if not: the page lists a step that moves on two lines, and lays out the rows of steps it
   * has not fetched with this.
   */
  moves: string;
}

/** Steps a message or a window carries at most. */
export const STEP_WINDOW = 1000;

/** `GET /api/steps/:start`: up to {@link STEP_WINDOW} steps from index `start` (step `start + 1`). */
export interface StepsView {
  revision: number;
  start: number;
  steps: StepView[];
}

/** Entries of a long list the page is sent: its latest (`cutLists`). */
export const LIST_KEPT = 50;

/** Changes the page lists, of those between two steps. */
export const CHANGES_SHOWN = 14;

/**
 * `GET /api/step/:seq`: what the page shows after event `seq` (0: before any). The report is
 * the DESIGN §6 report with every list longer than {@link LIST_KEPT} cut to its latest entries
 * (`cut`: by key path, entries left out before those given; `expandLists` puts them back at
 * their indexes). What changed is found on the whole reports, `seq` and `at` aside.
 */
export interface StepReportView {
  revision: number;
  seq: number;
  report: ReplayReport;
  cut: Record<string, number>;
  /** Since the step before: the first {@link CHANGES_SHOWN} and how many in all; null at seq 0 and 1. */
  changes: { shown: ChangedLeaf[]; total: number } | null;
}

/** `GET /api/report/:seq`: the DESIGN §6 report after event `seq` (0: before any). */
export interface ReportView {
  revision: number;
  seq: number;
  report: ReplayReport;
}
