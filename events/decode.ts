import type { z } from 'zod';
import {
  Envelope,
  type EventType,
  eventDataSchemas,
  eventTypes,
  isEventType,
  type TruceEvent,
} from './catalogue.js';
import { compileFastDecode, type FastDecode, NOT_SURE } from './fastDecode.js';
import { CURRENT_VERSION, defaultUpcasters, type UpcasterRegistry } from './upcasters.js';

/** One reason a value is not a valid event: where (a dotted path) and what was expected. */
export interface DecodeIssue {
  code: string;
  /** `data.parties[0].role`; empty for the whole value. */
  path: string;
  /** `expected …, found …` */
  message: string;
}

/** The outcome of decoding: never throws. */
export type DecodeResult = { ok: true; value: TruceEvent } | { ok: false; issues: DecodeIssue[] };

/** Options of {@link decodeEvent}. */
export interface DecodeOptions {
  /** Upcasters for older schema versions; truce's own by default. */
  upcasters?: UpcasterRegistry;
}

/**
 * Checks a parsed JSON value against the envelope and its type's schema, upcasting older
 * versions, and returns the typed event or the issues found.
 *
 * @example
 * const r = decodeEvent(JSON.parse(line));
 * if (!r.ok) console.error(r.issues[0]?.path, r.issues[0]?.message);
 */
export function decodeEvent(input: unknown, options: DecodeOptions = {}): DecodeResult {
  // The common case first: the decoder compiled from the line's schema, which gives what zod
  // would give back (the parsed line itself when its fields are in zod's order).
  const fast = decodeEventFast(input);
  if (fast !== undefined) return { ok: true, value: fast };
  return decodeEventByZod(input, options);
}

/**
 * {@link decodeEvent} past its first answer: zod decides, and alone words the issues. For a
 * caller that has asked {@link decodeEventFast} already (the reader, for every line), so a line
 * the compiled decoder is not sure of is not run through it twice.
 *
 * @example
 * const event = decodeEventFast(value);
 * const r = event === undefined ? decodeEventByZod(value) : { ok: true, value: event };
 */
export function decodeEventByZod(input: unknown, options: DecodeOptions = {}): DecodeResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail('invalid_type', '', `expected a JSON object, found ${describe(input)}`);
  }
  // A current-version line of a known type: one zod parse of the envelope and its payload
  // instead of two. It only ever answers success; any failure goes down the general path
  // below, which alone words the issues.
  const { type: rawType, v: rawV } = input as { type?: unknown; v?: unknown };
  if (
    typeof rawType === 'string' &&
    isEventType(rawType) &&
    (rawV === undefined || rawV === CURRENT_VERSION)
  ) {
    const whole = lineSchema(rawType).safeParse(input);
    if (whole.success) return { ok: true, value: whole.data as TruceEvent };
  }
  const envelope = Envelope.safeParse(input, { reportInput: true });
  if (!envelope.success)
    return { ok: false, issues: envelope.error.issues.map((issue) => toIssue(issue)) };
  const { type } = envelope.data;
  if (!isEventType(type)) {
    return fail(
      'unknown_type',
      'type',
      `expected one of ${eventTypes.join(', ')}, found ${describe(type)}`,
    );
  }
  let data = envelope.data.data;
  const v = envelope.data.v ?? CURRENT_VERSION;
  if (v !== CURRENT_VERSION) {
    const lifted = (options.upcasters ?? defaultUpcasters).upcast(type, v, data);
    if (!lifted.ok) return fail('version', 'v', lifted.message);
    data = lifted.data;
  }
  const schema: z.ZodType = eventDataSchemas[type as EventType];
  const parsed = schema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => toIssue(issue, ['data'])),
    };
  }
  const event = { ...envelope.data, data: parsed.data } as TruceEvent;
  if (v !== CURRENT_VERSION) event.v = CURRENT_VERSION;
  return { ok: true, value: event };
}

/**
 * {@link decodeEvent}'s first answer, alone: the event the decoder compiled from its type's
 * schema gives for a current-version line of a known type, or undefined where that decoder is
 * not sure (then `decodeEvent` decides, and alone words the issues). The reader asks it first
 * for every line, without the options and the result `decodeEvent` makes.
 *
 * @example
 * const event = decodeEventFast(value) ?? decodeEvent(value); // or decodeEventByZod, past the first
 */
export function decodeEventFast(input: unknown): TruceEvent | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const { type: rawType, v: rawV } = input as { type?: unknown; v?: unknown };
  if (typeof rawType !== 'string' || (rawV !== undefined && rawV !== CURRENT_VERSION)) {
    return undefined;
  }
  // One lookup for the decoder of a known type (the first line of a type compiles it).
  const known = fastDecoders.get(rawType);
  const decode = known !== undefined ? known : isEventType(rawType) ? fastDecoderOf(rawType) : null;
  const fast = decode === null ? NOT_SURE : decode(input);
  return fast === NOT_SURE ? undefined : (fast as TruceEvent);
}

const lineSchemas = new Map<EventType, z.ZodType>();

/**
 * The envelope with `data` checked by the type's own schema, built once per type. `extend`
 * keeps each field where the envelope puts it, so a line decodes to the same object, key for
 * key, as the envelope parse followed by the payload parse.
 */
function lineSchema(type: EventType): z.ZodType {
  let schema = lineSchemas.get(type);
  if (schema === undefined) {
    schema = Envelope.extend({ data: eventDataSchemas[type] as z.ZodType });
    lineSchemas.set(type, schema);
  }
  return schema;
}

const fastDecoders = new Map<string, FastDecode | null>();

/**
 * Lines of a type decoded by the compiled closures before the type's decoder is generated as
 * source (`compileFastDecode`): generating and compiling that source costs a few milliseconds a
 * type, which a short log (`truce status` on a hand-kept log) never earns back, and a long one
 * earns back within a few thousand lines.
 */
export const LINES_BEFORE_GENERATED = 2000;

/**
 * The decoder compiled from a type's line schema, built once per type (null: zod alone): the
 * compiled closures for its first {@link LINES_BEFORE_GENERATED} lines, then the decoder
 * generated as source (the tests hold the two equal).
 */
export function fastDecoderOf(type: EventType): FastDecode | null {
  let decoder = fastDecoders.get(type);
  if (decoder === undefined) {
    decoder = warmingDecoder(type);
    fastDecoders.set(type, decoder);
  }
  return decoder;
}

function warmingDecoder(type: EventType): FastDecode | null {
  const closures = compileFastDecode(lineSchema(type), { generated: false });
  if (closures === null) return null;
  let lines = 0;
  return (value) => {
    if (++lines === LINES_BEFORE_GENERATED) {
      fastDecoders.set(type, compileFastDecode(lineSchema(type), { generated: true }));
    }
    return closures(value);
  };
}

function fail(code: string, path: string, message: string): DecodeResult {
  return { ok: false, issues: [{ code, path, message }] };
}

function toIssue(issue: z.core.$ZodIssue, prefix: PropertyKey[] = []): DecodeIssue {
  const path = formatPath([...prefix, ...issue.path]);
  return { code: issue.code, path, message: explain(issue) };
}

function explain(issue: z.core.$ZodIssue): string {
  const found = 'input' in issue ? describe(issue.input) : undefined;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `expected ${typeName(issue.expected)}, found nothing (the field is required)`
        : `expected ${typeName(issue.expected)}, found ${found}`;
    case 'too_small':
      if (issue.origin === 'string') return `expected a non-empty string, found ${found}`;
      if (issue.origin === 'array')
        return `expected at least ${issue.minimum} item(s), found ${found}`;
      return `expected a number ${issue.inclusive ? '≥' : '>'} ${issue.minimum}, found ${found}`;
    case 'too_big':
      if (issue.origin === 'string')
        return `expected at most ${issue.maximum} characters, found ${String((issue.input as string)?.length)}`;
      if (issue.origin === 'array') return `expected at most ${issue.maximum} items`;
      return `expected a number ≤ ${issue.maximum}, found ${found}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, found ${found}`;
    case 'invalid_format':
      if (issue.format === 'regex') return `${issue.message}, found ${found}`;
      return issue.format === 'datetime'
        ? `expected an ISO 8601 date-time with a zone such as 2023-11-24T07:00:00+02:00, found ${found}`
        : `expected ${issue.format}, found ${found}`;
    case 'custom':
      // Our own checks write the whole sentence, found value included.
      return issue.message.includes('found') || found === undefined
        ? issue.message
        : `${issue.message}, found ${found}`;
    default:
      return found !== undefined ? `${issue.message}, found ${found}` : issue.message;
  }
}

function typeName(expected: string): string {
  if (expected === 'int') return 'a whole number';
  if (expected === 'object') return 'an object';
  if (expected === 'array') return 'an array';
  return `a ${expected}`;
}

/** `data.parties[0].role` from `['data', 'parties', 0, 'role']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** A short, safe rendering of a found value for an error sentence. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && !Number.isInteger(value)) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
