/** Stable machine-readable codes carried by every truce error. */
export type TruceErrorCode =
  | 'INVALID_LOG'
  | 'REJECTED_EVENT'
  | 'CONCURRENCY_CONFLICT'
  | 'STORE_IO'
  | 'USAGE';

/** Base class of every domain error truce throws; `code` is stable across versions. */
export class TruceError extends Error {
  readonly code: TruceErrorCode;
  constructor(code: TruceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TruceError';
    this.code = code;
  }
}

/** Where in a log a problem sits: 1-based line, and the seq when it could be read. */
export interface LogPosition {
  line: number;
  seq?: number;
  type?: string;
}

/**
 * Which rule of the log's format a line breaks, by a stable dotted code (the README's "Rule
 * codes" table): not UTF-8, blank, not JSON, too long, cut off, against its event's schema,
 * a seq out of order, or a repeated id.
 */
export const FORMAT_CODES = [
  'format.utf8',
  'format.blank',
  'format.json',
  'format.tooLong',
  'format.torn',
  'format.schema',
  'format.seq',
  'format.id',
] as const;

/** One of the {@link FORMAT_CODES}. */
export type FormatCode = (typeof FORMAT_CODES)[number];

/** Options of {@link ValidationError}. */
export interface ValidationErrorOptions {
  cause?: unknown;
  /** A cut-off last line (implies the `format.torn` rule). */
  torn?: boolean;
  file?: string;
  /** The format rule broken; by default `format.seq` or `format.id` by `path`, else `format.schema`. */
  rule?: FormatCode;
}

/** A line of the log breaks the format or its event's schema. */
export class ValidationError extends TruceError {
  readonly position: LogPosition;
  /** Dotted field path such as `data.parties[0].role`, empty when the whole line is at fault. */
  readonly path: string;
  readonly torn: boolean;
  /** The format rule the line breaks. */
  readonly rule: FormatCode;
  /** What is wrong, without the position: `seq: expected seq 3, found 5 (…)`. */
  readonly reason: string;
  constructor(
    position: LogPosition,
    path: string,
    problem: string,
    options?: ValidationErrorOptions,
  ) {
    const where = formatPosition(position, options?.file);
    const reason = `${path ? `${path}: ` : ''}${problem}`;
    super('INVALID_LOG', `${where}: ${reason}`, options);
    this.name = 'ValidationError';
    this.position = position;
    this.path = path;
    this.torn = options?.torn ?? false;
    this.reason = reason;
    this.rule = options?.rule ?? defaultFormatRule(path, this.torn);
  }
}

function defaultFormatRule(path: string, torn: boolean): FormatCode {
  if (torn) return 'format.torn';
  if (path === 'seq') return 'format.seq';
  if (path === 'id') return 'format.id';
  return 'format.schema';
}

/** The statechart refused an event in the state the log had reached. */
export class RejectedEventError extends TruceError {
  readonly position: LogPosition;
  readonly state: string;
  /** The rule broken: one of the `RULE_CODES` of `machines/`, e.g. `release.exceedsTerms`. */
  readonly rule: string;
  readonly reason: string;
  constructor(
    position: LogPosition,
    state: string,
    broken: { rule: string; message: string },
    options?: { file?: string },
  ) {
    super(
      'REJECTED_EVENT',
      `${formatPosition(position, options?.file)}: rejected in state ${state}: ${broken.message}`,
    );
    this.name = 'RejectedEventError';
    this.position = position;
    this.state = state;
    this.rule = broken.rule;
    this.reason = broken.message;
  }
}

/** An append expected a different head than the log has. */
export class ConcurrencyError extends TruceError {
  readonly expected: number;
  readonly actual: number;
  constructor(expected: number, actual: number, file?: string) {
    super(
      'CONCURRENCY_CONFLICT',
      `${file ? `${file}: ` : ''}expected the log to end at seq ${expected}, but it ends at seq ${actual}`,
    );
    this.name = 'ConcurrencyError';
    this.expected = expected;
    this.actual = actual;
  }
}

/** Reading or writing the log's storage failed (missing file, permission, full disk). */
export class StoreError extends TruceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_IO', message, options);
    this.name = 'StoreError';
  }
}

/** `line 5 (seq 5, type proposal.sent)`, prefixed by the file when known. */
export function formatPosition(position: LogPosition, file?: string): string {
  const details: string[] = [];
  if (position.seq !== undefined) details.push(`seq ${position.seq}`);
  if (position.type !== undefined) details.push(`type ${position.type}`);
  const line = `line ${position.line}${details.length ? ` (${details.join(', ')})` : ''}`;
  return file ? `${file}: ${line}` : line;
}
