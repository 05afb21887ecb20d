/**
 * What changed between two versions of an immutable JSON state, as a list of edits that turn
 * the first one's JSON into the second one's: the checkpoint cache's delta checkpoints.
 *
 * The replay state is persistent: the machine's context is rebuilt by hand around hash tries
 * (`machines/table.ts`) and the projections fold copy-on-write, so whatever did not change
 * between two snapshots is the very same object in both. The walk compares by identity and
 * descends only where an object was replaced, so its cost is that of what changed, not of the
 * state (a million-event deal's state is megabytes; what 1,024 events change, kilobytes).
 *
 * The edits reproduce the JSON text, key order included (a report's keys come out in the order
 * the state has them): an object whose surviving keys changed order is written whole.
 */

/** A step of a path: an object's key or an array's index. */
export type PathStep = string | number;

/**
 * One edit: `[path, value]` sets the value at the path (the last step may add a key at the end
 * of an object, or an item at the end of an array); `[path]` removes an object's key.
 */
export type StateEdit = [path: PathStep[], value: unknown] | [path: PathStep[]];

/** Whether a value has a JSON text inside an object (JSON.stringify leaves the key out otherwise). */
function present(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The edits that turn `JSON.parse(JSON.stringify(before))` into `JSON.parse(JSON.stringify(after))`,
 * given that neither was changed in place since it was taken (objects shared by both are equal),
 * except at the paths `skip` names: those are not compared, and their edits are the caller's to
 * add after these (a value written whole around them already holds them as they are).
 *
 * @example
 * const edits = stateDelta(previous.snapshot, replayer.snapshot());
 * applyStateDelta(JSON.parse(previousText), edits); // now equal to the current snapshot's JSON
 */
export function stateDelta(
  before: unknown,
  after: unknown,
  skip?: (path: readonly PathStep[]) => boolean,
): StateEdit[] {
  const edits: StateEdit[] = [];
  walk(before, after, [], edits, skip);
  return edits;
}

/**
 * The edits of an entry whose fields are the same keys in the same order, each changed field
 * set whole (an entry of a long list is a flat record: a release counted changes a number or
 * two of an obligation). False, and nothing added, when the keys differ or a field gains or
 * loses its JSON text: {@link stateDelta} then finds the edits. A hundred entries replaced per
 * checkpoint made the general walk a tenth of the cache's cost.
 *
 * @example
 * if (!fieldEdits(['projection', 'obligations', 3], was, item, edits)) // walk with stateDelta
 */
export function fieldEdits(
  path: PathStep[],
  was: unknown,
  item: unknown,
  edits: StateEdit[],
): boolean {
  if (!isPlainObject(was) || !isPlainObject(item)) return false;
  const keys = Object.keys(item);
  const before = Object.keys(was);
  if (keys.length !== before.length) return false;
  const at = edits.length;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = item[key];
    const old = was[key];
    if (key !== before[i] || (value !== old && !(present(value) && present(old)))) {
      edits.length = at;
      return false;
    }
    if (value !== old) edits.push([[...path, key], value]);
  }
  return true;
}

function walk(
  before: unknown,
  after: unknown,
  path: PathStep[],
  edits: StateEdit[],
  skip: ((path: readonly PathStep[]) => boolean) | undefined,
): void {
  if (before === after || skip?.(path) === true) return;
  if (Array.isArray(before) && Array.isArray(after) && after.length >= before.length) {
    for (let i = 0; i < after.length; i++) {
      // As JSON.stringify: an item without JSON text is null.
      const item = present(after[i]) ? after[i] : null;
      const was = i < before.length ? (present(before[i]) ? before[i] : null) : undefined;
      if (was === item) continue;
      path.push(i);
      if (was === undefined) edits.push([path.slice(), item]);
      else walk(was, item, path, edits, skip);
      path.pop();
    }
    return;
  }
  if (isPlainObject(before) && isPlainObject(after) && sameKeyOrder(before, after)) {
    for (const key of Object.keys(before)) {
      if (!present(before[key])) continue;
      if (!(Object.hasOwn(after, key) && present(after[key]))) edits.push([[...path, key]]);
    }
    for (const key of Object.keys(after)) {
      const value = after[key];
      if (!present(value)) continue;
      const was = Object.hasOwn(before, key) && present(before[key]) ? before[key] : undefined;
      if (was === value) continue;
      path.push(key);
      if (was === undefined) edits.push([path.slice(), value]);
      else walk(was, value, path, edits, skip);
      path.pop();
    }
    return;
  }
  // Values that JSON writes alike (0 and -0; NaN, Infinity and null) need no edit.
  if (
    !isContainer(before) &&
    !isContainer(after) &&
    JSON.stringify(before) === JSON.stringify(after)
  ) {
    return;
  }
  edits.push([path.slice(), after]);
}

function isContainer(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

/**
 * Whether applying edits to `before` keeps `after`'s key order: the keys both have come in the
 * same order, and the keys only `after` has come after all of them (an added key goes last).
 */
function sameKeyOrder(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  const kept: string[] = [];
  for (const key of Object.keys(before)) {
    if (present(before[key]) && Object.hasOwn(after, key) && present(after[key])) kept.push(key);
  }
  let k = 0;
  let added = false;
  for (const key of Object.keys(after)) {
    if (!present(after[key])) continue;
    if (Object.hasOwn(before, key) && present(before[key])) {
      // A kept key after an added one would be written before it once edited.
      if (added || kept[k] !== key) return false;
      k++;
    } else added = true;
  }
  return k === kept.length;
}

/**
 * Applies edits to a parsed JSON state and returns it (the root itself is replaced by an edit of
 * the empty path): in place, or with `copy` without changing anything of the state given, each
 * container on an edit's path copied once and everything else kept, so an object the state
 * holds in two places (a tail's shared terms) stays shared unless an edit goes through it, and
 * then the place not edited keeps the object as it was. Throws a `RangeError` when an edit does
 * not fit the state (a delta of another state): the caller then does not use it.
 *
 * @example
 * const state = applyStateDelta(JSON.parse(baseText), edits);
 * const next = applyStateDelta(sharedState, edits, { copy: true }); // sharedState unchanged
 */
export function applyStateDelta(
  state: unknown,
  edits: readonly StateEdit[],
  options: { copy?: boolean } = {},
): unknown {
  /** With `copy`: the containers this call made (copies, and the values its edits set). */
  const made = options.copy === true ? new Set<unknown>() : undefined;
  let root = state;
  for (const edit of edits) {
    const [path] = edit;
    if (path.length === 0) {
      if (edit.length !== 2) throw new RangeError('an edit removes the whole state');
      root = edit[1];
      made?.add(root);
      continue;
    }
    if (made !== undefined && !made.has(root) && isContainer(root)) {
      root = copyOf(root as object);
      made.add(root);
    }
    let parent: unknown = root;
    for (let i = 0; i < path.length - 1; i++) {
      const step = path[i] as PathStep;
      let child = childOf(parent, step);
      if (made !== undefined && !made.has(child)) {
        child = copyOf(child as object);
        made.add(child);
        setChild(parent, step, child);
      }
      parent = child;
    }
    const last = path[path.length - 1] as PathStep;
    if (Array.isArray(parent)) {
      if (typeof last !== 'number' || edit.length !== 2 || last > parent.length || last < 0) {
        throw new RangeError(`an edit does not fit the state at ${JSON.stringify(path)}`);
      }
      parent[last] = edit[1];
    } else if (isPlainObject(parent) && typeof last === 'string') {
      if (edit.length === 2) setChild(parent, last, edit[1]);
      else if (Object.hasOwn(parent, last)) delete parent[last];
      else throw new RangeError(`an edit removes a missing key at ${JSON.stringify(path)}`);
    } else {
      throw new RangeError(`an edit does not fit the state at ${JSON.stringify(path)}`);
    }
    // A value from the edits is the caller's own (parsed from its file): edited in place later.
    if (edit.length === 2) made?.add(edit[1]);
  }
  return root;
}

/** A shallow copy of a container: its items, or its own keys in their order. */
function copyOf(value: object): object {
  // Spread defines each own key as data: a key named __proto__ stays a key.
  return Array.isArray(value) ? value.slice() : { ...value };
}

/** Sets `parent[step]`; an object's key by definition, so that __proto__ is a key, as JSON.parse makes it. */
function setChild(parent: unknown, step: PathStep, value: unknown): void {
  if (Array.isArray(parent)) parent[step as number] = value;
  else {
    Object.defineProperty(parent, step, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
}

function childOf(parent: unknown, step: PathStep): unknown {
  if (Array.isArray(parent) && typeof step === 'number' && step >= 0 && step < parent.length) {
    return parent[step];
  }
  if (isPlainObject(parent) && typeof step === 'string' && Object.hasOwn(parent, step)) {
    const child = parent[step];
    if (typeof child === 'object' && child !== null) return child;
  }
  throw new RangeError(`an edit's path does not fit the state at ${JSON.stringify(step)}`);
}
