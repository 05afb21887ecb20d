import type { AnyStateMachine, AnyStateNode, StateValue } from 'xstate';
import type { TruceEvent } from '../events/index.js';
import type { DealContext } from './context.js';
import { dealMachine } from './deal.js';
import { isWholeContext } from './wholeContext.js';

/**
 * A faster runner of the deal statechart, **derived from its definition**: the states, their
 * `on` and `always` transitions, targets and initial states are read from XState's own state
 * nodes, and guards and actions are the machine's own implementations, looked up by name. No
 * rule is restated here: the executor only walks the chart the way XState does, without the
 * per-event cost of an actor (microsteps, snapshot clones, action queues), which was most of a
 * replay's time. `test/properties/executor.test.ts` proves it equal to the XState actor over
 * thousands of generated and mutated logs: state, context and rejection at every step.
 *
 * It runs the subset of statecharts the deal machine uses: compound and atomic states,
 * transitions with or without a target, `always` transitions, named or inline guards (XState's
 * `and`/`or`/`not` evaluated by XState), and `assign` actions. Anything else in a chart (entry
 * or exit actions, parallel, history or final states, delays, invocations, wildcard events)
 * makes {@link compileChart} throw, so a chart that outgrows the executor fails loudly in the
 * tests instead of being run differently.
 */

/** A state of the chart as the executor holds it: the active leaf and the context. */
export interface ChartState<C> {
  /** The active leaf as a dotted path, e.g. `negotiating.proposalOnTable`. */
  path: string;
  context: C;
}

interface Transition<C, E> {
  /** XState's own definition of the transition: what an inspector names as taken. */
  def: unknown;
  guard: ((context: C, event: E) => boolean) | null;
  /** The leaf entered, as a dotted path; null for a transition without a target. */
  target: string | null;
  actions: Array<(context: C, event: E) => C>;
}

/** A leaf's transitions: by event type, and the eventless ones, each leaf first. */
interface Leaf<C, E> {
  on: Map<string, Transition<C, E>[]>;
  always: Transition<C, E>[];
}

/** A compiled chart: per leaf, the transitions by event type and the eventless ones, leaf first. */
export interface CompiledChart<C, E extends { type: string }> {
  readonly initial: ChartState<C>;
  /**
   * The state after `event`, or null when no transition of the active leaf or its ancestors
   * takes it (the event is refused; nothing changes). Pure: `state` is never changed. Given
   * `taken`, appends to it XState's definition of each transition taken, in order: the event's,
   * then each eventless one (what XState's microsteps name; an inspector draws them).
   */
  send(state: ChartState<C>, event: E, taken?: unknown[]): ChartState<C> | null;
  /** The XState state value of a dotted path (`{negotiating: 'suspended'}`). */
  valueOf(path: string): StateValue;
  /** Whether a dotted path is a leaf of the chart: a state a snapshot may stand in. */
  isLeaf(path: string): boolean;
}

/**
 * Compiles an XState machine into a {@link CompiledChart}, reading every state, transition,
 * guard and action from the machine itself.
 *
 * @example
 * const chart = compileChart<DealContext, TruceEvent>(dealMachine);
 * let state = chart.initial;
 * state = chart.send(state, openedEvent) ?? state;
 */
export function compileChart<C, E extends { type: string }>(
  machine: AnyStateMachine,
): CompiledChart<C, E> {
  const leaves = new Map<string, AnyStateNode>();
  const pathOf = (node: AnyStateNode): string => node.path.join('.');
  const leafOf = (node: AnyStateNode): string => {
    let n = node;
    while (n.type === 'compound') {
      const initial = n.initial?.target?.[0] as AnyStateNode | undefined;
      if (initial === undefined) throw unsupported(`${n.id} has no initial state`);
      n = initial;
    }
    return pathOf(n);
  };
  const snapshotForBuiltins = { machine };
  /**
   * The `{ context, event }` every guard and assignment of this chart is given, filled in before
   * each call instead of made for it: two objects an event fewer to allocate. The machine's own
   * functions read it during the call and keep nothing of it (they are pure).
   */
  const args = { context: undefined as C, event: undefined as unknown as E };
  const argsOf = (context: C, event: E): { context: C; event: E } => {
    args.context = context;
    args.event = event;
    return args;
  };

  const guardOf = (guard: unknown): Transition<C, E>['guard'] => {
    if (guard === undefined) return null;
    if (typeof guard === 'string') {
      const impl = (machine.implementations.guards as Record<string, unknown>)[guard];
      if (impl === undefined) throw unsupported(`guard ${guard} is not implemented`);
      return guardOf(impl);
    }
    if (typeof guard === 'function') {
      const fn = guard as ((args: { context: C; event: E }, params: undefined) => boolean) & {
        check?: (snapshot: unknown, args: { context: C; event: E }, self: unknown) => boolean;
      };
      const check = fn.check;
      // XState's own `and`/`or`/`not` decide their combination, with the named guards inside.
      if (check !== undefined) {
        return (context, event) => check(snapshotForBuiltins, argsOf(context, event), fn);
      }
      return (context, event) => fn(argsOf(context, event), undefined);
    }
    throw unsupported(`a guard object with params (${JSON.stringify(guard)})`);
  };

  const actionOf = (action: unknown): Transition<C, E>['actions'][number] => {
    const impl =
      typeof action === 'string'
        ? (machine.implementations.actions as Record<string, unknown>)[action]
        : action;
    const assignment = (impl as { type?: unknown; assignment?: unknown } | undefined)?.assignment;
    if ((impl as { type?: unknown }).type !== 'xstate.assign' || typeof assignment !== 'function') {
      throw unsupported(`action ${String(action)} is not an assign with a function`);
    }
    const assign = assignment as (args: { context: C; event: E }, params: undefined) => object;
    // As XState's assign: the update is merged over a copy of the context, unless it was
    // declared the whole context (`wholeContext`), which that merge would only copy.
    return (context, event) => {
      const update = assign(argsOf(context, event), undefined);
      return (isWholeContext(update) ? update : Object.assign({}, context, update)) as C;
    };
  };

  const transitionOf = (
    t: {
      guard?: unknown;
      target?: readonly AnyStateNode[] | undefined;
      actions: readonly unknown[];
    },
    source: AnyStateNode,
  ): Transition<C, E> => {
    if ((t.target?.length ?? 0) > 1) throw unsupported('a transition with several targets');
    const target = t.target?.[0];
    // A transition to its own state or an ancestor keeps or re-enters children by XState's
    // reentry rules, which the executor does not model.
    for (let n: AnyStateNode | undefined = source; n && target; n = n.parent) {
      if (n === target) throw unsupported(`${source.id}'s transition to its ancestor ${n.id}`);
    }
    return {
      def: t,
      guard: guardOf(t.guard),
      target: target === undefined ? null : leafOf(target),
      actions: t.actions.map(actionOf),
    };
  };

  /** Per leaf (a dotted path): its transitions by event type and its eventless ones, leaf first. */
  const leafTransitions = new Map<string, Leaf<C, E>>();
  const walk = (node: AnyStateNode): void => {
    if (node.type !== 'compound' && node.type !== 'atomic') {
      throw unsupported(`${node.id} is a ${node.type} state`);
    }
    if (node.entry.length || node.exit.length)
      throw unsupported(`${node.id} has entry/exit actions`);
    if (node.invoke.length || node.after.length) throw unsupported(`${node.id} invokes or delays`);
    for (const type of node.transitions.keys()) {
      if (type.includes('*')) throw unsupported(`${node.id} takes a wildcard event ${type}`);
    }
    if (node.type === 'atomic') leaves.set(pathOf(node), node);
    for (const child of Object.values(node.states)) walk(child as AnyStateNode);
  };
  walk(machine.root);

  for (const [path, leaf] of leaves) {
    const byType = new Map<string, Transition<C, E>[]>();
    const eventless: Transition<C, E>[] = [];
    // Leaf first, then each ancestor: the order XState selects a transition in.
    for (let node: AnyStateNode | undefined = leaf; node; node = node.parent) {
      for (const [type, list] of node.transitions) {
        const compiled = byType.get(type) ?? [];
        // The first enabled transition of the deepest node that has one wins, as in XState.
        compiled.push(...list.map((t) => transitionOf(t, node as AnyStateNode)));
        byType.set(type, compiled);
      }
      for (const t of node.always ?? []) eventless.push(transitionOf(t, node));
    }
    leafTransitions.set(path, { on: byType, always: eventless });
  }

  // The leaf of the last state asked about: most events leave the chart in the leaf it was in,
  // and its transitions were looked up by path at each event and at each eventless step.
  let lastPath: string | undefined;
  let lastLeaf: Leaf<C, E> | undefined;
  const leafAt = (path: string): Leaf<C, E> | undefined => {
    if (path !== lastPath) {
      lastLeaf = leafTransitions.get(path);
      lastPath = path;
    }
    return lastLeaf;
  };

  const select = (list: readonly Transition<C, E>[] | undefined, context: C, event: E) => {
    if (list === undefined) return undefined;
    for (const t of list) if (t.guard === null || t.guard(context, event)) return t;
    return undefined;
  };
  const take = (
    t: Transition<C, E>,
    state: ChartState<C>,
    event: E,
    taken: unknown[] | undefined,
  ): ChartState<C> => {
    taken?.push(t.def);
    let context = state.context;
    for (const action of t.actions) context = action(context, event);
    return { path: t.target ?? state.path, context };
  };
  /** Eventless transitions until none is enabled, as XState's macrostep. */
  const settle = (state: ChartState<C>, event: E, taken?: unknown[]): ChartState<C> => {
    let current = state;
    for (let steps = 0; ; steps++) {
      const t = select(leafAt(current.path)?.always, current.context, event);
      if (t === undefined) return current;
      if (steps > 1000) throw new Error(`eventless transitions loop in ${current.path}`);
      current = take(t, current, event, taken);
    }
  };

  const initialPath = leafOf(machine.root);
  const initialContext = (machine.config as { context?: unknown }).context;
  if (typeof initialContext === 'function') throw unsupported('a context built by a function');
  const initEvent = { type: 'xstate.init' } as unknown as E;

  return {
    initial: settle({ path: initialPath, context: (initialContext ?? {}) as C }, initEvent),
    send(state, event, taken) {
      const t = select(leafAt(state.path)?.on.get(event.type), state.context, event);
      if (t === undefined) return null;
      return settle(take(t, state, event, taken), event, taken);
    },
    isLeaf(path) {
      return leafTransitions.has(path);
    },
    valueOf(path) {
      const parts = path.split('.');
      let value: StateValue = parts[parts.length - 1] as string;
      for (let i = parts.length - 2; i >= 0; i--) value = { [parts[i] as string]: value };
      return value;
    },
  };
}

function unsupported(what: string): Error {
  return new Error(`compileChart: the executor does not run ${what}; use the XState actor`);
}

let dealChart: CompiledChart<DealContext, TruceEvent> | undefined;

/** The deal statechart compiled once, on first use. */
export function compiledDealChart(): CompiledChart<DealContext, TruceEvent> {
  dealChart ??= compileChart<DealContext, TruceEvent>(dealMachine);
  return dealChart;
}
