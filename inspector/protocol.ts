import type { ReplayReport } from '../projections/index.js';

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

/** The whole log as the page first sees it (`GET /api/log`), and each live update. */
export interface LogView {
  /** The log file as given on the command line. */
  file: string;
  /** Bumps on every change of the log. */
  revision: number;
  /** Index in `steps` from which this message's steps apply; 0 for the whole log. */
  from: number;
  steps: StepView[];
  problem: ProblemView | null;
}

/** `GET /api/report/:seq`: the DESIGN §6 report after event `seq` (0: before any). */
export interface ReportView {
  revision: number;
  seq: number;
  report: ReplayReport;
}
