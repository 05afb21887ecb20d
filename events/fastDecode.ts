import type { z } from 'zod';

/** What a {@link FastDecode} answers when it is not sure: ask zod. */
export const NOT_SURE: unique symbol = Symbol('not sure');

/**
 * A decoder compiled from a zod schema: the value zod would give back for `value`, deep-equal
 * to it with the fields in zod's order (the value itself, no copy, when its fields already are
 * in that order, as in any line truce writes), or {@link NOT_SURE}: then the caller asks zod,
 * which stays the reference and alone words the issues.
 */
export type FastDecode = (value: unknown) => unknown;

/** A predicate on a value already known to be of the right type. */
type FastCheck = (value: unknown) => boolean;

/** Each schema's shortcut ({@link declareShortcut}). */
const shortcuts = new WeakMap<object, (text: string) => boolean>();

/**
 * Declares a check the decoders of `schema` ask first about a string: one that answers true
 * only for a text the schema gives back as it is (its pattern and its own checks would pass),
 * and is cheaper than them for the texts truce writes. A text it refuses goes through the
 * schema's checks as before; zod stays the judge of everything else. Whoever declares one
 * proves it implies the schema (a property test against zod).
 *
 * @example
 * declareShortcut(DateTime, isPlainInstant);
 */
export function declareShortcut(schema: z.ZodType, accepts: (text: string) => boolean): void {
  shortcuts.set(schema, accepts);
}

/** Options of {@link compileFastDecode}. */
export interface FastDecodeOptions {
  /**
   * Decode by the same decoder generated as JavaScript source ({@link compileGeneratedDecode}),
   * where code can be made: true, at once; false, never (the closures alone, as the tests
   * compare); by default, once the closures have decoded {@link VALUES_BEFORE_GENERATED}
   * values.
   */
  generated?: boolean;
}

/**
 * Values a {@link compileFastDecode} decoder with the default options decodes by its closures
 * before it generates its source: generating and compiling the source (V8 keeps no code cache
 * for it) cost a query through the checkpoint cache about 4 ms to read the cache's index once
 * (4 December 2026), where the closures took 2; a decoder asked for many values earns it back.
 */
export const VALUES_BEFORE_GENERATED = 1000;

/**
 * Compiles a zod schema into a {@link FastDecode}, reading the schema's own definition: object
 * shapes and catch-alls (strict objects too), string lengths and patterns, number bounds and
 * whole-number formats, enums, literals, arrays, optionals, nullables, pipes, records, and the
 * schema's own `check`/`refine` functions, which are called as zod calls them. Returns null for
 * a schema that uses anything else (unions, defaults, transforms, coercion…): then zod decodes
 * every value of it, as before. `test/events/fastDecode.test.ts` proves it agrees with zod over
 * generated and changed lines, and `test/store/cacheIndexCheck.test.ts` over cache indexes.
 *
 * @example
 * const decode = compileFastDecode(schema);
 * const fast = decode === null ? NOT_SURE : decode(input);
 * const value = fast === NOT_SURE ? schema.parse(input) : fast;
 */
export function compileFastDecode(
  schema: z.ZodType,
  options: FastDecodeOptions = {},
): FastDecode | null {
  if (options.generated === true) {
    // The closures are built only where the generated decoder cannot be: building both cost a
    // short log's replay (`truce status`) a tenth more time.
    const generated = compileGeneratedDecode(schema);
    if (generated !== null) return generated;
  }
  const closures = compileClosures(schema);
  if (closures === null || options.generated !== undefined) return closures;
  let values = 0;
  let decode = closures;
  return (value) => {
    if (++values === VALUES_BEFORE_GENERATED) decode = compileGeneratedDecode(schema) ?? closures;
    return decode(value);
  };
}

/** The closures of {@link compileFastDecode}, or null for a schema they do not cover. */
function compileClosures(schema: z.ZodType): FastDecode | null {
  try {
    return compile(schema as unknown as Node);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

/**
 * The {@link FastDecode} of a schema generated as JavaScript source, the same decoder as the
 * closures {@link compileFastDecode} builds otherwise, written out: each object first asks its
 * {@link compileSameCheck} (every field in order and valid: the value itself), and else decodes
 * field by field into zod's order as the closures do. Null where code cannot be made.
 *
 * @example
 * const decode = compileGeneratedDecode(schema);
 */
export function compileGeneratedDecode(schema: z.ZodType): FastDecode | null {
  return generate((source) => source.decode(schema as unknown as Node, 'value')) as FastDecode;
}

/**
 * A predicate generated as JavaScript source from a zod schema: true only for a value that
 * the schema's {@link FastDecode} gives back as it is (every field in zod's order, none
 * unknown, every value valid), false for any other, which the decoder then reads. It states the
 * decoder's own one-pass path with each field's check written out in place (a type test, a
 * bound, a pattern, the schema's own check function) instead of a chain of closures called
 * through one shared call site: the decoder was a sixth of a replay, most of it those calls.
 * Null for a schema the decoder does not compile, or where code cannot be made from text.
 *
 * @example
 * const same = compileSameCheck(schema);
 * if (same?.(value)) use(value);
 */
export function compileSameCheck(schema: z.ZodType): ((value: unknown) => boolean) | null {
  return generate((source) => source.test(schema as unknown as Node, 'value')) as
    | ((value: unknown) => boolean)
    | null;
}

/** A function `(value) => expression`, the expression and its helpers from the schema's source. */
function generate(expression: (source: SameCheckSource) => string): unknown {
  const source = new SameCheckSource();
  try {
    source.functions.push(`return (value) => ${expression(source)};`);
    // The text is made here from the schema alone (field names as JSON strings, all else
    // passed in as constants), never from input.
    const make = new Function('c', '$proto', 'NS', source.functions.join('\n'));
    return make(source.constants, Object.prototype, NOT_SURE);
  } catch (error) {
    // EvalError: code generation from strings is turned off in this process.
    if (error instanceof Unsupported || error instanceof EvalError) return null;
    throw error;
  }
}

class Unsupported extends Error {}

/** The parts of zod v4's internal definition the compiler reads. */
interface Node {
  _zod: { def: Def };
}
interface Def {
  type: string;
  checks?: Array<{ _zod: { def: CheckDef; check: (payload: Payload) => unknown } }>;
  check?: string;
  format?: string;
  pattern?: RegExp;
  coerce?: boolean;
  shape?: Record<string, Node>;
  catchall?: Node;
  innerType?: Node;
  element?: Node;
  entries?: Record<string, unknown>;
  values?: unknown[];
  in?: Node;
  out?: Node;
  keyType?: Node;
  valueType?: Node;
}
interface CheckDef {
  check: string;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
}
interface Payload {
  value: unknown;
  issues: unknown[];
}

function compile(node: Node): FastDecode {
  const full = compileChecked(node);
  const shortcut = shortcuts.get(node);
  if (shortcut === undefined) return full;
  return (value) => (typeof value === 'string' && shortcut(value) ? value : full(value));
}

function compileChecked(node: Node): FastDecode {
  const def = node._zod.def;
  const own = ownChecks(def);
  const base = compileType(def);
  if (own.length === 0) return base;
  // zod runs a schema's own checks on the value it decoded. One or two checks (a bound or
  // two, a pattern, a refinement) are called directly: this runs for most fields of every line.
  const [first, second] = own as [FastCheck, FastCheck | undefined];
  if (own.length === 1) {
    return (value) => {
      const out = base(value);
      return out !== NOT_SURE && first(out) ? out : NOT_SURE;
    };
  }
  if (own.length === 2 && second !== undefined) {
    return (value) => {
      const out = base(value);
      return out !== NOT_SURE && first(out) && second(out) ? out : NOT_SURE;
    };
  }
  return (value) => {
    const out = base(value);
    if (out === NOT_SURE) return NOT_SURE;
    for (let i = 0; i < own.length; i++) if (!(own[i] as FastCheck)(out)) return NOT_SURE;
    return out;
  };
}

/** A decoder of values that zod gives back as they are, from a predicate. */
function same(check: FastCheck): FastDecode {
  return (v) => (check(v) ? v : NOT_SURE);
}

/** The checks of `def.checks`, each a predicate; a kind not known here is unsupported. */
function ownChecks(def: Def): FastCheck[] {
  return (def.checks ?? []).map((c) => {
    const cd = c._zod.def;
    switch (cd.check) {
      case 'min_length': {
        const min = cd.minimum as number;
        return (v) => (v as { length: number }).length >= min;
      }
      case 'max_length': {
        const max = cd.maximum as number;
        return (v) => (v as { length: number }).length <= max;
      }
      case 'greater_than': {
        const bound = cd.value as number;
        return cd.inclusive ? (v) => (v as number) >= bound : (v) => (v as number) > bound;
      }
      case 'less_than': {
        const bound = cd.value as number;
        return cd.inclusive ? (v) => (v as number) <= bound : (v) => (v as number) < bound;
      }
      case 'number_format':
        // `.int()` on a number: a safe integer, as zod tests it (`z.int()` is the same check
        // made a type of its own, read by compileType).
        if (cd.format !== 'safeint') throw new Unsupported(`format ${cd.format}`);
        return (v) => Number.isSafeInteger(v);
      case 'string_format':
        // `.regex()` is exactly a pattern test in zod; other formats may check more.
        if (cd.format !== 'regex') throw new Unsupported(`format ${cd.format}`);
        return patternCheck(cd.pattern);
      case 'custom':
        return customCheck(c);
      default:
        throw new Unsupported(cd.check);
    }
  });
}

/**
 * A check of the schema's own (`check`/`refine`), called with a payload as zod calls it: any
 * issue, any promise, any throw means "ask zod".
 */
function customCheck(c: NonNullable<Def['checks']>[number]): FastCheck {
  const run = c._zod.check;
  // One payload for every call, emptied after a call that left an issue: a check runs on most
  // lines (an event time, a count's category), and a payload with its array per call was most
  // of what decoding allocated besides the line itself. A check that answers with a promise
  // may still write into its payload later: that one is left to it.
  let payload: Payload = { value: undefined, issues: [] };
  return (v) => {
    const given = payload;
    given.value = v;
    let ok = false;
    try {
      const out = run(given);
      if (out instanceof Promise) {
        payload = { value: undefined, issues: [] };
        return false;
      }
      ok = given.issues.length === 0;
    } catch {
      ok = false;
    }
    if (!ok) given.issues.length = 0;
    given.value = undefined;
    return ok;
  };
}

function patternCheck(pattern: RegExp | undefined): FastCheck {
  if (!(pattern instanceof RegExp) || pattern.global || pattern.sticky) {
    throw new Unsupported('pattern');
  }
  return (v) => pattern.test(v as string);
}

function compileType(def: Def): FastDecode {
  if (def.coerce) throw new Unsupported('coerce');
  switch (def.type) {
    case 'string': {
      // A string format (z.iso.datetime…) is a schema that is its own check, with a pattern.
      if (def.check === undefined) return same((v) => typeof v === 'string');
      // zod tests an ISO date-time by its pattern alone; other formats may check more.
      if (def.check !== 'string_format' || def.format !== 'datetime') {
        throw new Unsupported(`${def.check} ${def.format}`);
      }
      const format = patternCheck(def.pattern);
      return same((v) => typeof v === 'string' && format(v));
    }
    case 'number': {
      const finite: FastCheck = (v) => typeof v === 'number' && Number.isFinite(v);
      if (def.check === undefined) return same(finite);
      if (def.check !== 'number_format' || def.format !== 'safeint') {
        throw new Unsupported(`${def.check} ${def.format}`);
      }
      return same((v) => finite(v) && Number.isSafeInteger(v));
    }
    case 'boolean':
      return same((v) => typeof v === 'boolean');
    case 'unknown':
      return (v) => v;
    case 'enum': {
      const values = new Set(Object.values(def.entries ?? {}));
      return same((v) => values.has(v));
    }
    case 'literal': {
      // zod 4 holds a literal's values in a set, so a value is one of them by SameValueZero.
      const values = new Set(def.values ?? []);
      return same((v) => values.has(v));
    }
    case 'optional': {
      const inner = compile(def.innerType as Node);
      return (v) => (v === undefined ? v : inner(v));
    }
    case 'nullable': {
      const inner = compile(def.innerType as Node);
      return (v) => (v === null ? v : inner(v));
    }
    case 'array': {
      const element = compile(def.element as Node);
      return (v) => {
        if (!Array.isArray(v)) return NOT_SURE;
        let out: unknown[] | undefined;
        for (let i = 0; i < v.length; i++) {
          const item = element(v[i]);
          if (item === NOT_SURE) return NOT_SURE;
          if (item !== v[i]) {
            out ??= v.slice(0, i);
          }
          if (out !== undefined) out.push(item);
        }
        return out ?? v;
      };
    }
    case 'pipe': {
      // The output of one side is the input of the other, as in zod.
      const input = compile(def.in as Node);
      const output = compile(def.out as Node);
      return (v) => {
        const mid = input(v);
        return mid === NOT_SURE ? NOT_SURE : output(mid);
      };
    }
    case 'record': {
      const keyDef = (def.keyType as Node)._zod as { def: Def; values?: unknown };
      // Keys from an enum, or a loose record, are decoded otherwise: ask zod.
      if (keyDef.def.type !== 'string' || keyDef.values !== undefined || 'mode' in def) {
        throw new Unsupported('record key');
      }
      const key = compile(def.keyType as Node);
      const value = compile(def.valueType as Node);
      return (v) => {
        if (!isPlainRecord(v)) return NOT_SURE;
        let out: Record<string, unknown> | undefined;
        const names = Object.keys(v);
        for (let i = 0; i < names.length; i++) {
          const k = names[i] as string;
          if (k === '__proto__' || key(k) !== k) return NOT_SURE;
          const item = value(v[k]);
          if (item === NOT_SURE) return NOT_SURE;
          if (item !== v[k] && out === undefined) {
            out = {};
            for (let j = 0; j < i; j++) out[names[j] as string] = v[names[j] as string];
          }
          if (out !== undefined) out[k] = item;
        }
        return out ?? v;
      };
    }
    case 'object':
      return compileObject(def);
    default:
      throw new Unsupported(def.type);
  }
}

/**
 * An object: every field of the shape decoded (a missing one only if optional), unknown
 * fields only where the schema keeps them (a loose object), written in zod's order: the
 * shape's fields, then the unknown ones as they came. The value itself when nothing moves.
 */
function compileObject(def: Def): FastDecode {
  const shape = def.shape ?? {};
  const keys = Object.keys(shape);
  const index = new Map(keys.map((k, i) => [k, i]));
  const fields = keys.map((k) => ({
    key: k,
    decode: compile(shape[k] as Node),
    optional: (shape[k] as Node)._zod.def.type === 'optional',
  }));
  const catchall = def.catchall?._zod.def.type;
  // A strict object's catch-all is `never`: an unknown field is an issue, so "ask zod", as for
  // an object that strips unknown fields (its value would change).
  if (catchall !== undefined && catchall !== 'unknown' && catchall !== 'never') {
    throw new Unsupported('catchall');
  }
  const keepsUnknown = catchall === 'unknown';
  const general: FastDecode = (v) => {
    if (!isPlainRecord(v)) return NOT_SURE;
    let next = 0;
    let unknownSeen = false;
    let inOrder = true;
    for (const k in v) {
      const at = index.get(k);
      if (at === undefined) {
        if (!keepsUnknown || k === '__proto__') return NOT_SURE;
        unknownSeen = true;
      } else {
        if (unknownSeen || at < next) inOrder = false;
        next = at + 1;
      }
    }
    let changed = !inOrder;
    const values: unknown[] = [];
    for (const field of fields) {
      if (!Object.hasOwn(v, field.key)) {
        if (!field.optional) return NOT_SURE;
        values.push(undefined);
        continue;
      }
      const given = v[field.key];
      const value = field.decode(given);
      if (value === NOT_SURE) return NOT_SURE;
      if (value !== given) changed = true;
      values.push(value);
    }
    if (!changed) return v;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as (typeof fields)[number];
      if (Object.hasOwn(v, field.key)) out[field.key] = values[i];
    }
    for (const k in v) if (!index.has(k)) out[k] = v[k];
    return out;
  };
  const count = fields.length;
  // The common case in one pass, without a lookup or an array per value: the keys come in the
  // shape's order (optional ones may be missing), none unknown, and every value decodes to
  // itself, so the answer is the value itself. Anything else (a key out of order or unknown, a
  // value that changes, a required field missing, a missing field that an own non-enumerable
  // or inherited property may stand for) goes to the general decoder above, which decides
  // alone; a value decoded twice then is pure work, no side effect.
  return (v) => {
    if (!isPlainRecord(v)) return NOT_SURE;
    let i = 0;
    for (const k in v) {
      let field = fields[i];
      while (field !== undefined && field.key !== k) {
        if (!field.optional || v[field.key] !== undefined) return general(v);
        field = fields[++i];
      }
      if (field === undefined) return general(v);
      const given = v[k];
      if (field.decode(given) !== given) return general(v);
      i++;
    }
    for (; i < count; i++) {
      const field = fields[i] as (typeof fields)[number];
      if (!field.optional || v[field.key] !== undefined) return general(v);
    }
    return v;
  };
}

/**
 * The source text of a {@link compileSameCheck}: a boolean expression per schema node over a
 * variable, objects, arrays and records each in a function of their own. Values the text
 * cannot spell (patterns, sets, check functions, bounds that are not plain numbers) are passed
 * in as constants, `c[i]`.
 */
class SameCheckSource {
  readonly constants: unknown[] = [];
  readonly functions: string[] = [];
  readonly #made = new Map<string, Map<Def, string>>();

  /** An expression true when the value in variable `x` decodes to itself under `node`. */
  test(node: Node, x: string): string {
    const def = node._zod.def;
    const parts = [this.#type(def, x)];
    for (const c of def.checks ?? []) parts.push(this.#check(c, x));
    const checked = parts.length === 1 ? (parts[0] as string) : `(${parts.join(' && ')})`;
    const shortcut = shortcuts.get(node);
    if (shortcut === undefined) return checked;
    return `((typeof ${x} === 'string' && ${this.#constant(shortcut)}(${x})) || ${checked})`;
  }

  /**
   * An expression giving what the schema's {@link FastDecode} gives for the value in variable
   * `x`: the value, a copy in zod's order, or `NS` (not sure).
   */
  decode(node: Node, x: string): string {
    const def = node._zod.def;
    if (LEAVES.has(def.type)) return `(${this.test(node, x)} ? ${x} : NS)`;
    const name = this.#once('decode', def, () => {
      const checks = (def.checks ?? []).map((c) => this.#check(c, 'y'));
      return this.#function(
        'x',
        [
          `const y = ${this.#decodeType(def)};`,
          checks.length === 0 ? 'return y;' : `return y !== NS && ${checks.join(' && ')} ? y : NS;`,
        ].join('\n'),
      );
    });
    return `${name}(${x})`;
  }

  /** The decoding of variable `x` by a node's type, before its own checks. */
  #decodeType(def: Def): string {
    switch (def.type) {
      case 'optional':
        return `x === undefined ? x : ${this.decode(def.innerType as Node, 'x')}`;
      case 'nullable':
        return `x === null ? x : ${this.decode(def.innerType as Node, 'x')}`;
      case 'pipe':
        // What one side gives is what the other reads, as in zod.
        return `${this.#function(
          'x',
          [
            `const m = ${this.decode(def.in as Node, 'x')};`,
            `return m === NS ? NS : ${this.decode(def.out as Node, 'm')};`,
          ].join('\n'),
        )}(x)`;
      case 'array':
        return `${this.#function(
          'a',
          [
            'if (!Array.isArray(a)) return NS;',
            'let out;',
            'for (let i = 0; i < a.length; i++) {',
            '  const x = a[i];',
            `  const y = ${this.decode(def.element as Node, 'x')};`,
            '  if (y === NS) return NS;',
            '  if (y !== x && out === undefined) out = a.slice(0, i);',
            '  if (out !== undefined) out.push(y);',
            '}',
            'return out === undefined ? a : out;',
          ].join('\n'),
        )}(x)`;
      case 'record':
        recordKeysSupported(def);
        return `${this.#function(
          'r',
          [
            `if (${notPlainRecord('r')}) return NS;`,
            'let out;',
            'const names = Object.keys(r);',
            'for (let i = 0; i < names.length; i++) {',
            '  const k = names[i];',
            `  if (k === '__proto__' || ${this.decode(def.keyType as Node, 'k')} !== k) return NS;`,
            '  const x = r[k];',
            `  const y = ${this.decode(def.valueType as Node, 'x')};`,
            '  if (y === NS) return NS;',
            '  if (y !== x && out === undefined) {',
            '    out = {};',
            '    for (let j = 0; j < i; j++) out[names[j]] = r[names[j]];',
            '  }',
            '  if (out !== undefined) out[k] = y;',
            '}',
            'return out === undefined ? r : out;',
          ].join('\n'),
        )}(x)`;
      case 'object':
        return `${this.#once('object', def, () => this.#object(def))}(x) ? x : ${this.#once('general', def, () => this.#general(def))}(x)`;
      default:
        throw new Unsupported(def.type);
    }
  }

  /**
   * The decoder's general path for an object (see compileObject): the fields in zod's order,
   * unknown ones after them where the schema keeps them, a copy when anything moved or changed.
   */
  #general(def: Def): string {
    const shape = def.shape ?? {};
    const loose = def.catchall?._zod.def.type === 'unknown';
    const fields = Object.keys(shape).map((key) => ({
      name: JSON.stringify(key),
      node: shape[key] as Node,
      optional: (shape[key] as Node)._zod.def.type === 'optional',
    }));
    const cases = fields.map((f, i) => `    case ${f.name}: at = ${i}; break;`);
    const lines = [
      `if (${notPlainRecord('o')}) return NS;`,
      'let next = 0;',
      'let unknownSeen = false;',
      'let changed = false;',
      'for (const k in o) {',
      '  let at = -1;',
      '  switch (k) {',
      ...cases,
      '  }',
      '  if (at < 0) {',
      loose ? "    if (k === '__proto__') return NS;" : '    return NS;',
      '    unknownSeen = true;',
      '  } else {',
      '    if (unknownSeen || at < next) changed = true;',
      '    next = at + 1;',
      '  }',
      '}',
    ];
    fields.forEach((f, i) => {
      lines.push(
        `const h${i} = Object.hasOwn(o, ${f.name});`,
        `let v${i};`,
        `if (h${i}) {`,
        `  const x = o[${f.name}];`,
        `  v${i} = ${this.decode(f.node, 'x')};`,
        `  if (v${i} === NS) return NS;`,
        `  if (v${i} !== x) changed = true;`,
        f.optional ? '}' : '} else return NS;',
      );
    });
    lines.push('if (!changed) return o;', 'const out = {};');
    fields.forEach((f, i) => {
      lines.push(`if (h${i}) out[${f.name}] = v${i};`);
    });
    if (loose) {
      lines.push('for (const k in o) {', '  switch (k) {');
      for (const f of fields) lines.push(`    case ${f.name}:`);
      lines.push('      break;', '    default:', '      out[k] = o[k];', '  }', '}');
    }
    lines.push('return out;');
    return this.#function('o', lines.join('\n'));
  }

  #constant(value: unknown): string {
    this.constants.push(value);
    return `c[${this.constants.length - 1}]`;
  }

  #number(n: number): string {
    return Number.isSafeInteger(n) && !Object.is(n, -0) ? String(n) : this.#constant(n);
  }

  /**
   * The function `make` writes for a schema node, written once: a node met again (a shared
   * schema, or an object both checked and decoded) calls the same function.
   */
  #once(kind: string, def: Def, make: () => string): string {
    let made = this.#made.get(kind);
    if (made === undefined) {
      made = new Map();
      this.#made.set(kind, made);
    }
    let name = made.get(def);
    if (name === undefined) {
      name = make();
      made.set(def, name);
    }
    return name;
  }

  #function(param: string, body: string): string {
    const name = `f${this.functions.length}`;
    this.functions.push(`function ${name}(${param}) {\n${body}\n}`);
    return name;
  }

  #check(c: NonNullable<Def['checks']>[number], x: string): string {
    const cd = c._zod.def;
    switch (cd.check) {
      case 'min_length':
        return `${x}.length >= ${this.#number(cd.minimum as number)}`;
      case 'max_length':
        return `${x}.length <= ${this.#number(cd.maximum as number)}`;
      case 'greater_than':
        return `${x} ${cd.inclusive ? '>=' : '>'} ${this.#number(cd.value as number)}`;
      case 'less_than':
        return `${x} ${cd.inclusive ? '<=' : '<'} ${this.#number(cd.value as number)}`;
      case 'number_format':
        if (cd.format !== 'safeint') throw new Unsupported(`format ${cd.format}`);
        return `Number.isSafeInteger(${x})`;
      case 'string_format':
        if (cd.format !== 'regex') throw new Unsupported(`format ${cd.format}`);
        return this.#pattern(cd.pattern, x);
      case 'custom':
        return `${this.#constant(customCheck(c))}(${x})`;
      default:
        throw new Unsupported(cd.check);
    }
  }

  #pattern(pattern: RegExp | undefined, x: string): string {
    if (!(pattern instanceof RegExp) || pattern.global || pattern.sticky) {
      throw new Unsupported('pattern');
    }
    return `${this.#constant(pattern)}.test(${x})`;
  }

  #type(def: Def, x: string): string {
    if (def.coerce) throw new Unsupported('coerce');
    switch (def.type) {
      case 'string':
        if (def.check === undefined) return `typeof ${x} === 'string'`;
        if (def.check !== 'string_format' || def.format !== 'datetime') {
          throw new Unsupported(`${def.check} ${def.format}`);
        }
        return `(typeof ${x} === 'string' && ${this.#pattern(def.pattern, x)})`;
      case 'number':
        if (def.check === undefined) return `(typeof ${x} === 'number' && Number.isFinite(${x}))`;
        if (def.check !== 'number_format' || def.format !== 'safeint') {
          throw new Unsupported(`${def.check} ${def.format}`);
        }
        return `Number.isSafeInteger(${x})`;
      case 'boolean':
        return `typeof ${x} === 'boolean'`;
      case 'unknown':
        return 'true';
      case 'enum': {
        const values = Object.values(def.entries ?? {});
        if (values.every((v) => typeof v === 'string')) {
          return `(${values.map((v) => `${x} === ${JSON.stringify(v)}`).join(' || ') || 'false'})`;
        }
        return `${this.#constant(new Set(values))}.has(${x})`;
      }
      case 'literal':
        return `${this.#constant(new Set(def.values ?? []))}.has(${x})`;
      case 'optional':
        return `(${x} === undefined || ${this.test(def.innerType as Node, x)})`;
      case 'nullable':
        return `(${x} === null || ${this.test(def.innerType as Node, x)})`;
      case 'pipe':
        // What one side gives the other is the value itself, when each gives it back.
        return `(${this.test(def.in as Node, x)} && ${this.test(def.out as Node, x)})`;
      case 'array': {
        const name = this.#once('array', def, () =>
          this.#function(
            'a',
            [
              'if (!Array.isArray(a)) return false;',
              'for (let i = 0; i < a.length; i++) {',
              '  const x = a[i];',
              `  if (!(${this.test(def.element as Node, 'x')})) return false;`,
              '}',
              'return true;',
            ].join('\n'),
          ),
        );
        return `${name}(${x})`;
      }
      case 'record':
        return `${this.#once('record', def, () => this.#record(def))}(${x})`;
      case 'object':
        return `${this.#once('object', def, () => this.#object(def))}(${x})`;
      default:
        throw new Unsupported(def.type);
    }
  }

  #record(def: Def): string {
    recordKeysSupported(def);
    return this.#function(
      'r',
      [
        `if (${notPlainRecord('r')}) return false;`,
        'const names = Object.keys(r);',
        'for (let i = 0; i < names.length; i++) {',
        '  const k = names[i];',
        `  if (k === '__proto__' || !(${this.test(def.keyType as Node, 'k')})) return false;`,
        '  const x = r[k];',
        `  if (!(${this.test(def.valueType as Node, 'x')})) return false;`,
        '}',
        'return true;',
      ].join('\n'),
    );
  }

  /**
   * The decoder's one-pass path (see compileObject), its loop over the fields unrolled: a
   * `switch` on the next field expected, falling through the optional fields a key skips.
   */
  #object(def: Def): string {
    const shape = def.shape ?? {};
    // An unknown field, kept (a loose object) or refused (a strict one), is left to the decoder.
    const catchall = def.catchall?._zod.def.type;
    if (catchall !== undefined && catchall !== 'unknown' && catchall !== 'never') {
      throw new Unsupported('catchall');
    }
    // `o["__proto__"]` would read the prototype, not the field.
    if (Object.hasOwn(shape, '__proto__')) throw new Unsupported('__proto__ field');
    const fields = Object.keys(shape).map((key) => ({
      key,
      name: JSON.stringify(key),
      node: shape[key] as Node,
      optional: (shape[key] as Node)._zod.def.type === 'optional',
    }));
    // A field skipped (its key absent) is allowed when optional and reading as undefined.
    const skipped = (f: (typeof fields)[number]): string =>
      f.optional ? `if (o[${f.name}] !== undefined) return false;` : 'return false;';
    const inLoop: string[] = [];
    const atEnd: string[] = [];
    fields.forEach((f, i) => {
      inLoop.push(
        `case ${i}:`,
        `  if (k === ${f.name}) {`,
        `    const x = o[${f.name}];`,
        `    if (!(${this.test(f.node, 'x')})) return false;`,
        `    i = ${i + 1};`,
        '    continue;',
        '  }',
        `  ${skipped(f)}`,
      );
      atEnd.push(`case ${i}:`, `  ${skipped(f)}`);
    });
    return this.#function(
      'o',
      [
        `if (${notPlainRecord('o')}) return false;`,
        'let i = 0;',
        'for (const k in o) {',
        '  switch (i) {',
        ...inLoop.map((line) => `    ${line}`),
        '    default:',
        '      return false;',
        '  }',
        '}',
        'switch (i) {',
        ...atEnd.map((line) => `  ${line}`),
        '}',
        'return true;',
      ].join('\n'),
    );
  }
}

/** Keys from an enum, or a loose record, are decoded otherwise: left to zod. */
function recordKeysSupported(def: Def): void {
  const keyDef = (def.keyType as Node)._zod as { def: Def; values?: unknown };
  if (keyDef.def.type !== 'string' || keyDef.values !== undefined || 'mode' in def) {
    throw new Unsupported('record key');
  }
}

/** The types whose values zod gives back as they are: decoded by their test alone. */
const LEAVES: ReadonlySet<string> = new Set([
  'string',
  'number',
  'boolean',
  'unknown',
  'enum',
  'literal',
]);

/** The source of a test that `x` is not a plain record (see {@link isPlainRecord}). */
function notPlainRecord(x: string): string {
  return `typeof ${x} !== 'object' || ${x} === null || Array.isArray(${x}) || Object.getPrototypeOf(${x}) !== $proto`;
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.getPrototypeOf(v) === Object.prototype
  );
}
