import { describe, expect, it } from 'vitest';
import { assign, createActor, createMachine, setup } from 'xstate';
import { compileChart, isWholeContext, wholeContext } from '../../machines/index.js';

/**
 * The executor replay runs, on small charts whose every step is known by hand: it walks nested
 * states, guards, assigns, targetless and eventless transitions as XState does, and refuses by
 * name, when compiled, every feature it does not run.
 */

type Ctx = { n: number };
type Ev = { type: 'go' } | { type: 'add' } | { type: 'stay' };

const toy = setup({
  types: { context: {} as Ctx, events: {} as Ev },
  guards: { small: ({ context }) => context.n < 2, big: ({ context }) => context.n >= 2 },
  actions: { bump: assign(({ context }) => ({ n: context.n + 1 })) },
}).createMachine({
  id: 'toy',
  context: { n: 0 },
  initial: 'outer',
  states: {
    outer: {
      initial: 'inner',
      states: {
        inner: { on: { add: { guard: 'small', actions: 'bump' }, stay: {} } },
        full: {},
      },
      always: { guard: 'big', target: '#toy.done' },
      on: { go: '#toy.done' },
    },
    done: {},
  },
});

describe('the executor on a small chart', () => {
  it('walks nested states, guarded assigns, targetless and eventless transitions', () => {
    const chart = compileChart<Ctx, Ev>(toy);
    expect(chart.initial).toEqual({ path: 'outer.inner', context: { n: 0 } });
    expect(chart.valueOf('outer.inner')).toEqual({ outer: 'inner' });
    const one = chart.send(chart.initial, { type: 'add' });
    expect(one).toEqual({ path: 'outer.inner', context: { n: 1 } });
    // Unguarded and targetless: taken, nothing changes but the snapshot.
    expect(chart.send(chart.initial, { type: 'stay' })).toEqual(chart.initial);
    // The second bump makes `big` hold: the eventless transition leaves for done.
    const two = chart.send(one ?? chart.initial, { type: 'add' });
    expect(two).toEqual({ path: 'done', context: { n: 2 } });
    // An ancestor's transition is taken from the leaf; done takes nothing.
    expect(chart.send(chart.initial, { type: 'go' })?.path).toBe('done');
    expect(chart.send(two ?? chart.initial, { type: 'go' })).toBeNull();
    // A state the chart does not have takes no event.
    expect(chart.send({ path: 'nowhere', context: { n: 0 } }, { type: 'go' })).toBeNull();
  });

  it('takes an update declared the whole context as it is, and merges any other over a copy', () => {
    type Two = { n: number; m: number };
    const made: Two[] = [];
    const make = (context: Two, whole: boolean): Two => {
      const next = { n: context.n + 1, m: context.m };
      made.push(next);
      return whole ? wholeContext(next) : next;
    };
    const two = setup({
      types: { context: {} as Two, events: {} as { type: 'whole' } | { type: 'part' } },
      actions: {
        whole: assign(({ context }) => make(context, true)),
        part: assign(({ context }) => make(context, false)),
      },
    }).createMachine({
      context: { n: 0, m: 7 },
      on: { whole: { actions: 'whole' }, part: { actions: 'part' } },
    });
    const chart = compileChart<Two, { type: 'whole' } | { type: 'part' }>(two);
    const whole = chart.send(chart.initial, { type: 'whole' });
    expect(whole?.context).toBe(made[0]);
    const part = chart.send(chart.initial, { type: 'part' });
    expect(part?.context).toEqual({ n: 1, m: 7 });
    expect(part?.context).not.toBe(made[1]);
    // XState merges both, to the same figures.
    const actor = createActor(two).start();
    actor.send({ type: 'whole' });
    expect(actor.getSnapshot().context).toEqual(whole?.context);
    // The last declared, only: the executor asks as soon as an assign function returns.
    expect(isWholeContext(made[2])).toBe(true);
    expect(isWholeContext(made[0])).toBe(false);
    expect(isWholeContext(made[1])).toBe(false);
    expect(isWholeContext(undefined)).toBe(false);
  });

  it('stops an eventless loop instead of running forever', () => {
    const loop = createMachine({
      id: 'm',
      initial: 'a',
      states: { a: { always: 'b' }, b: { always: 'a' } },
    });
    expect(thrownBy(() => compileChart(loop))).toBe('eventless transitions loop in b');
  });
});

/** The message of the Error `compile` throws (it must throw an Error, not any value). */
function thrownBy(compile: () => unknown): string {
  try {
    compile();
  } catch (error) {
    if (error instanceof Error) return error.message;
    throw new Error(`threw ${String(error)}, not an Error`);
  }
  throw new Error('did not throw');
}

const refusal = (what: string) =>
  `compileChart: the executor does not run ${what}; use the XState actor`;

describe('what the executor refuses, by name', () => {
  it.each([
    [
      'a parallel state',
      { id: 'm', type: 'parallel', states: { a: {}, b: {} } },
      {},
      'm is a parallel state',
    ],
    [
      'exit actions',
      { id: 'm', initial: 'a', states: { a: { exit: () => undefined } } },
      {},
      'm.a has entry/exit actions',
    ],
    [
      'an invocation',
      { id: 'm', initial: 'a', states: { a: { invoke: { src: 'x' } } } },
      { actors: { x: {} } },
      'm.a invokes or delays',
    ],
    [
      'a wildcard event',
      { id: 'm', initial: 'a', states: { a: { on: { '*': 'a' } } } },
      {},
      'm.a takes a wildcard event *',
    ],
    [
      'a guard not implemented',
      {
        id: 'm',
        initial: 'a',
        states: { a: { on: { go: { guard: 'nope', target: 'b' } } }, b: {} },
      },
      {},
      'guard nope is not implemented',
    ],
    [
      'a guard with params',
      {
        id: 'm',
        initial: 'a',
        states: {
          a: { on: { go: { guard: { type: 'g', params: { n: 1 } }, target: 'b' } } },
          b: {},
        },
      },
      { guards: { g: () => true } },
      'a guard object with params ({"type":"g","params":{"n":1}})',
    ],
    [
      'a named action that is not an assign',
      {
        id: 'm',
        initial: 'a',
        states: { a: { on: { go: { actions: 'log', target: 'b' } } }, b: {} },
      },
      { actions: { log: () => undefined } },
      'action log is not an assign with a function',
    ],
    [
      'an assign of an object',
      {
        id: 'm',
        initial: 'a',
        context: { n: 0 },
        states: { a: { on: { go: { actions: assign({ n: 1 }), target: 'b' } } }, b: {} },
      },
      {},
      /action [\s\S]* is not an assign with a function/,
    ],
    [
      'a transition to its own ancestor',
      {
        id: 'm',
        initial: 'p',
        states: { p: { initial: 'a', states: { a: { on: { go: '#m.p' } } } } },
      },
      {},
      "m.p.a's transition to its ancestor m.p",
    ],
    [
      'a context built by a function',
      { id: 'm', initial: 'a', context: () => ({}), states: { a: {} } },
      {},
      'a context built by a function',
    ],
  ] as const)('%s', (_, config, implementations, what) => {
    const compile = () => compileChart(createMachine(config as never, implementations as never));
    if (typeof what === 'string') expect(thrownBy(compile)).toBe(refusal(what));
    else expect(thrownBy(compile)).toMatch(what);
  });

  it('an inline function as an action, named as what it is', () => {
    const machine = createMachine({
      id: 'm',
      initial: 'a',
      states: { a: { on: { go: { actions: function note() {}, target: 'b' } } }, b: {} },
    });
    expect(thrownBy(() => compileChart(machine))).toMatch(
      /^compileChart: the executor does not run action function note\(\) \{/,
    );
  });
});
