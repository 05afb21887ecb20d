/** The last object an `assign` function declared to be the whole next context. */
let declared: object | undefined;

/**
 * Declares that `context`, returned by an `assign` function, is the whole next context: every
 * key of the context the function was given, in the same order, as plain data. XState merges
 * it over a copy of the old context as it merges any update, which gives an object equal to
 * it; the chart's executor ({@link compileChart}) takes it as it is, without that merge (a
 * second copy of the deal's context at every event, a third of the executor's own time).
 * `test/properties/executor.test.ts` holds the two equal after every event.
 *
 * Only the last declaration is remembered (the executor asks right after the function
 * returns): a slot, not a set, since a set of a million contexts cost more than the merge.
 *
 * @example
 * apply: assign(({ context, event }) => wholeContext(evolveDealContext(context, event))),
 */
export function wholeContext<C extends object>(context: C): C {
  declared = context;
  return context;
}

/** Whether `update` is the last object declared the whole next context by {@link wholeContext}. */
export function isWholeContext(update: unknown): boolean {
  return update === declared;
}
