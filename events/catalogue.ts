import { z } from 'zod';
import { declareShortcut } from './fastDecode.js';

/**
 * The largest count one field may hold: far above any real count of people, trucks or days, and
 * low enough that the totals of millions of events stay exact integers (below 2^53).
 */
export const MAX_COUNT = 1_000_000_000;
/** A whole number of people, trucks or days: never negative, never fractional. */
export const Count = z.int().nonnegative().max(MAX_COUNT);
const Positive = z.int().positive().max(MAX_COUNT);
const PhaseNumber = z.int().min(1).max(1000);
const Ratio = z.number().nonnegative().max(1_000_000);
/** A party id, as declared in `negotiation.opened`: a short word such as `israel` or `qatar`. */
const PartyId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a short id of letters, digits, _ . -');
/** A free word used as a key of counts; `__proto__` would corrupt plain objects, so it is refused. */
const Key = z
  .string()
  .min(1)
  .max(128)
  .refine((s) => s !== '__proto__', 'expected a name other than __proto__');
const Text = z.string().max(100_000);
/** A hostage or prisoner category: a free word such as `women` or `civilian-men`. */
const Category = Key;

/**
 * Counts by category, as in `held`. JSON can name a key `__proto__`, which a record schema would
 * silently drop (the count lost, the event valid): it is refused by name first.
 */
const CountsByCategory = z
  .unknown()
  .check((ctx) => {
    const value = ctx.value;
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
      ctx.issues.push({
        code: 'custom',
        input: '__proto__',
        path: ['__proto__'],
        message: 'expected a name other than __proto__',
      });
    }
  })
  .pipe(z.record(Category, Count));

/** One side of the talks, a mediator, or a third party. */
export const Party = z.looseObject({
  id: PartyId,
  name: z.string().min(1).max(1000),
  role: z.enum(['principal', 'mediator', 'third-party']),
});

/** What an obligation is about: hostages released alive, remains of deceased hostages, prisoners, talks, a withdrawal. */
export const ObligationKind = z.enum(['hostages', 'remains', 'prisoners', 'talks', 'withdrawal']);

/**
 * Who owes what by when, as a phase's terms state it (catalogue v2). The deadline is one of
 * `withinHours` / `withinDays` of the phase's start or `by` a date; none of them means "as soon
 * as possible" (open, never overdue).
 */
export const Obligation = z
  .looseObject({
    /** The party that owes it. */
    party: PartyId,
    what: ObligationKind,
    /** Only hostages or prisoners of this category count toward it. */
    category: Category.optional(),
    /** How many are owed (hostages, remains, prisoners). */
    count: Count.optional(),
    withinHours: Positive.optional(),
    withinDays: Positive.optional(),
    by: z.iso.datetime({ offset: true }).optional(),
    /** Talks: the phase the talks are about. */
    phase: PhaseNumber.optional(),
    /** Withdrawal: the named line forces withdraw to. */
    line: z.string().min(1).max(1000).optional(),
    note: Text.optional(),
  })
  .check((ctx) => {
    const o = ctx.value;
    const deadlines = [o.withinHours, o.withinDays, o.by].filter((d) => d !== undefined);
    if (deadlines.length > 1) {
      ctx.issues.push({
        code: 'custom',
        input: o,
        path: [],
        message: 'expected at most one deadline of withinHours, withinDays and by, found more',
      });
    }
    const counted = o.what === 'hostages' || o.what === 'remains' || o.what === 'prisoners';
    if (counted && o.count === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: o,
        path: ['count'],
        message: `expected the count an obligation of ${o.what} is for, found none`,
      });
    }
    if (o.what === 'withdrawal' && o.line === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: o,
        path: ['line'],
        message: 'expected the line a withdrawal is to, found none',
      });
    }
  });

/** One round of a release schedule: who is released on which day of the phase. */
export const ScheduledRound = z.looseObject({
  /** Day of the phase (1 = the day it starts). */
  day: Positive,
  hostages: z.array(z.looseObject({ category: Category, count: Count.optional() })).optional(),
  prisoners: Count.optional(),
});

/** One phase of a proposal's terms. */
export const PhaseTerms = z.looseObject({
  /** Length of the pause, in days; none: open-ended, it holds until the next phase or a collapse. */
  days: Positive.optional(),
  hostages: z.array(z.looseObject({ category: Category, count: Count.optional() })),
  exchange: z.array(z.looseObject({ category: Category, prisonersPerHostage: Ratio })).optional(),
  /** A fixed total of prisoners, where the terms state one (shown; `prisonerTotals` counts toward due). */
  prisoners: Count.optional(),
  /** Fixed prisoner lists by class (e.g. 250 sentenced + 1,718 detainees), owed in the phase. */
  prisonerTotals: z.array(z.looseObject({ category: Category, count: Count })).optional(),
  /** Remains the other side returns for each deceased hostage's remains returned. */
  remainsPerDeceasedHostage: Ratio.optional(),
  aidTrucksPerDay: Count.optional(),
  /** Aid by region (e.g. north and south), trucks a day where the terms state them. */
  aidByRegion: z
    .array(
      z.looseObject({
        region: Key,
        trucksPerDay: Count.optional(),
        fuelTrucksPerDay: Count.optional(),
      }),
    )
    .optional(),
  /** Where forces withdraw to in this phase: a named line, or a description. */
  withdrawal: z.string().min(1).max(1000).optional(),
  /** Release rounds by day of the phase. */
  schedule: z.array(ScheduledRound).optional(),
  /** Who owes what by when. */
  obligations: z.array(Obligation).optional(),
  extension: z
    .looseObject({
      hostagesPerDay: Positive,
      prisonersPerHostage: Ratio.optional(),
      maxDays: Count.optional(),
    })
    .optional(),
});

/** What a proposal offers: its phases and the end-of-war clause. */
export const Terms = z.looseObject({
  phases: z.array(PhaseTerms).min(1).max(1000),
  permanentCeasefire: z.boolean(),
  notes: Text.optional(),
});

const HostageRelease = z.looseObject({
  category: Category,
  count: Count,
  deceased: z.boolean().optional(),
});
const PrisonerRelease = z.looseObject({ category: Category, count: Count });

/** The payload schema of each event type: catalogue v1 (DESIGN §4) and the types v2 adds (docs/catalogue.md). */
export const eventDataSchemas = {
  'negotiation.opened': z
    .looseObject({
      title: z.string().min(1).max(1000),
      parties: z.array(Party).min(2).max(1000),
      held: CountsByCategory.optional(),
    })
    .check((ctx) => {
      const parties = ctx.value.parties;
      if (parties.filter((p) => p.role === 'principal').length < 2) {
        ctx.issues.push({
          code: 'custom',
          input: parties,
          path: ['parties'],
          message: `expected at least 2 parties with role "principal", found ${parties.filter((p) => p.role === 'principal').length}`,
        });
      }
      const seen = new Set<string>();
      parties.forEach((p, i) => {
        if (seen.has(p.id)) {
          ctx.issues.push({
            code: 'custom',
            input: p.id,
            path: ['parties', i, 'id'],
            message: `expected a unique party id, found "${p.id}" twice`,
          });
        }
        seen.add(p.id);
      });
    }),
  'proposal.sent': z.looseObject({
    proposalId: z.string().min(1).max(128),
    from: PartyId,
    via: z.array(PartyId).optional(),
    to: z.array(PartyId).optional(),
    replaces: z.string().min(1).max(128).optional(),
    terms: Terms,
  }),
  'proposal.accepted': z.looseObject({ proposalId: z.string().min(1), by: PartyId }),
  'phase.accepted': z.looseObject({
    proposalId: z.string().min(1),
    phase: PhaseNumber,
    by: PartyId,
  }),
  'proposal.rejected': z.looseObject({
    proposalId: z.string().min(1),
    by: PartyId,
    reason: Text.optional(),
  }),
  'phase.started': z.looseObject({ phase: PhaseNumber }),
  'release.completed': z.looseObject({
    phase: PhaseNumber,
    hostages: z.array(HostageRelease).optional(),
    prisoners: z.array(PrisonerRelease).optional(),
    outsideDeal: z
      .array(z.looseObject({ group: Key, count: Count, by: PartyId.optional() }))
      .optional(),
  }),
  'release.recounted': z.looseObject({
    phase: PhaseNumber,
    hostages: z.array(z.looseObject({ category: Category, count: Count })).min(1),
    reason: Text.optional(),
  }),
  'pause.extended': z.looseObject({
    phase: PhaseNumber,
    days: Positive,
    hostages: Count.optional(),
    prisoners: Count.optional(),
  }),
  'aid.delivered': z.looseObject({
    phase: PhaseNumber.optional(),
    region: Key,
    trucks: Count,
    fuelTrucks: Count.optional(),
  }),
  'violation.reported': z.looseObject({
    by: PartyId,
    against: PartyId.optional(),
    description: z.string().min(1).max(100_000),
  }),
  'phase.completed': z.looseObject({ phase: PhaseNumber }),
  'hostilities.resumed': z.looseObject({ by: PartyId.optional(), reason: Text.optional() }),
  'talks.suspended': z.looseObject({ by: PartyId, reason: Text.optional() }),
  'talks.resumed': z.looseObject({ by: PartyId, reason: Text.optional() }),
  'hostages.counted': z.looseObject({ held: CountsByCategory }),
  'flareup.reported': z.looseObject({
    by: PartyId,
    against: PartyId.optional(),
    description: z.string().min(1).max(100_000),
    killed: Count.optional(),
    wounded: Count.optional(),
  }),
  'ceasefire.restored': z.looseObject({ by: PartyId.optional(), description: Text.optional() }),
  'remains.returned': z.looseObject({
    by: PartyId,
    count: Count,
    phase: PhaseNumber.optional(),
  }),
  'demand.stated': z.looseObject({
    by: PartyId,
    description: z.string().min(1).max(100_000),
    terms: z
      .looseObject({
        permanentCeasefire: z.boolean().optional(),
        pauseDays: Count.optional(),
        phases: Count.optional(),
        hostages: Count.optional(),
        prisoners: Count.optional(),
        aidTrucksPerDay: Count.optional(),
        withdrawal: z.string().min(1).max(1000).optional(),
      })
      .optional(),
  }),
  'forces.withdrawn': z.looseObject({
    by: PartyId,
    line: z.string().min(1).max(1000),
    phase: PhaseNumber.optional(),
  }),
  'talks.started': z.looseObject({
    phase: PhaseNumber,
    by: z.array(PartyId).optional(),
    description: Text.optional(),
  }),
} as const;

/** Every event type of the catalogue. */
export type EventType = keyof typeof eventDataSchemas;

/** The event types, in catalogue order. */
export const eventTypes = Object.keys(eventDataSchemas) as EventType[];

const eventTypeSet: ReadonlySet<string> = new Set(eventTypes);

/** Whether a string names an event type of the catalogue. */
export function isEventType(type: string): type is EventType {
  // A set, not `Object.hasOwn` on the schemas: asked for every line of a log.
  return eventTypeSet.has(type);
}

/** How sure the source is of a reported fact. */
export const Confidence = z.enum(['confirmed', 'reported', 'claimed', 'disputed']);

/** Where a reported fact comes from. */
export const Source = z.looseObject({
  name: z.string().max(1000).optional(),
  url: z.string().max(4000).optional(),
  confidence: Confidence.optional(),
  note: Text.optional(),
});

/** An ISO 8601 date-time with a zone (`Z` or `±hh:mm`) that names a real instant. */
export const DateTime = z.iso.datetime({ offset: true }).refine(isRealDate, {
  message: 'expected a real calendar date and time',
});
declareShortcut(DateTime, isPlainInstant);

/**
 * ECMAScript's own Date Time String Format with seconds, milliseconds or none, and a zone
 * (what `toISOString` and `truce generate` write): the standard has `Date.parse` read every
 * text of this shape whose fields are in range, and the calendar check below covers the month
 * and the day, so `Date.parse`, four times the cost of this pattern, is asked only about the
 * other texts the zod pattern lets through (more fractional digits, for one).
 */
const ES_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{3})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

// Runs on every `at` of every line, so it reads digits in place instead of splitting strings.
function isRealDate(text: string): boolean {
  if (isPlainInstant(text)) return true;
  if (!ES_DATE_TIME.test(text) && Number.isNaN(Date.parse(text))) return false;
  const y = digits(text, 0, 4);
  const m = digits(text, 5, 2);
  const d = digits(text, 8, 2);
  return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m);
}

/**
 * True for a text in ECMAScript's own Date Time String Format, `YYYY-MM-DDTHH:mm:ss` with
 * `.sss` or not and `Z` or `±HH:mm` (what `toISOString` and `truce generate` write), whose
 * year, month and day exist: read in one pass, character by character. Every text it accepts,
 * {@link DateTime} accepts (zod's pattern and the calendar; `test/events/dateTime.test.ts`
 * holds it so), so the decoders ask it before them ({@link declareShortcut}): an event time
 * cost a pattern, a second pattern and a refinement call.
 */
export function isPlainInstant(text: string): boolean {
  return zoneOfPlainInstant(text) >= 0;
}

/**
 * Where the zone (`Z` or `±hh:mm`) of a text {@link isPlainInstant} accepts starts (19, or 23
 * after a fraction), or -1 for any other text: the one check of the format, which
 * {@link plainInstantMs} reads the instant after. It computes no instant: the decoders ask it of
 * every line and never use one.
 */
function zoneOfPlainInstant(text: string): number {
  const n = text.length;
  if (n < 20 || n > 29) return -1;
  if (
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58
  ) {
    return -1;
  }
  const century = twoDigits(text, 0);
  const yearOf = twoDigits(text, 2);
  const m = twoDigits(text, 5);
  const d = twoDigits(text, 8);
  if (century < 0 || yearOf < 0) return -1;
  if (m < 1 || m > 12 || d < 1 || d > daysIn(century * 100 + yearOf, m)) return -1;
  const h = twoDigits(text, 11);
  const min = twoDigits(text, 14);
  const s = twoDigits(text, 17);
  if (h < 0 || h > 23 || min < 0 || min > 59 || s < 0 || s > 59) return -1;
  let i = 19;
  if (text.charCodeAt(i) === 46) {
    // .
    const units = text.charCodeAt(22) - 48;
    if (twoDigits(text, 20) < 0 || !(units >= 0 && units <= 9)) return -1;
    i = 23;
  }
  const zone = text.charCodeAt(i);
  if (zone === 90) return n === i + 1 ? i : -1; // Z
  if ((zone !== 43 && zone !== 45) || n !== i + 6 || text.charCodeAt(i + 3) !== 58) return -1;
  const zh = twoDigits(text, i + 1);
  const zm = twoDigits(text, i + 4);
  return zh >= 0 && zh <= 23 && zm >= 0 && zm <= 59 ? i : -1;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * The instant a text {@link isPlainInstant} accepts names, in milliseconds since 1970 (what the
 * standard has `Date.parse` give for it), read in the same pass that checks it; NaN for any
 * other text.
 *
 * @example
 * plainInstantMs('2023-11-24T07:00:00+02:00'); // 1700802000000
 */
export function plainInstantMs(text: string): number {
  const zone = zoneOfPlainInstant(text);
  if (zone < 0) return Number.NaN;
  // Checked: each pair of digits is a number in its range.
  const y = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const days = daysSinceEpoch(y, twoDigits(text, 5), twoDigits(text, 8));
  const seconds = (twoDigits(text, 11) * 60 + twoDigits(text, 14)) * 60 + twoDigits(text, 17);
  let ms = days * DAY_MS + seconds * 1000;
  // A fraction of three digits (the only one the format has) is milliseconds.
  if (zone === 23) ms += twoDigits(text, 20) * 10 + (text.charCodeAt(22) - 48);
  if (text.charCodeAt(zone) === 90) return ms; // Z
  // `+02:00` is two hours ahead of UTC: the instant is two hours earlier than the digits say.
  const offset = (twoDigits(text, zone + 1) * 60 + twoDigits(text, zone + 4)) * MINUTE_MS;
  return text.charCodeAt(zone) === 43 ? ms - offset : ms + offset;
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar, year 0 to 9999 (month
 * 1–12): the days of the 400-year eras and the years before it, with March as the first month
 * so that a leap day ends its year (H. Hinnant's `days_from_civil`).
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The number the two decimal digits at `start` spell, or -1 where one is not a digit. */
function twoDigits(text: string, start: number): number {
  const tens = text.charCodeAt(start) - 48;
  const units = text.charCodeAt(start + 1) - 48;
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : -1;
}

/** Days in month `m` (1–12) of year `y` of the Gregorian calendar. */
function daysIn(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function digits(text: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

/** The fields every line carries, whatever its type (DESIGN §3). */
export const Envelope = z.looseObject({
  seq: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  id: z.string().min(1).max(128),
  type: z.string(),
  at: DateTime,
  data: z.looseObject({}),
  source: Source.optional(),
  v: z.int().min(0).max(1_000_000).optional(),
  recordedAt: DateTime.optional(),
});

type EnvelopeShape = z.infer<typeof Envelope>;
/** The envelope's named fields; `Omit` would collapse them into the loose index signature. */
type EnvelopeFields = {
  [K in keyof EnvelopeShape as string extends K
    ? never
    : K extends 'type' | 'data'
      ? never
      : K]: EnvelopeShape[K];
};

/** One event of the log, with its payload typed by its `type`. */
export type EventOf<T extends EventType> = EnvelopeFields & {
  type: T;
  data: z.infer<(typeof eventDataSchemas)[T]>;
};

/** Any event of the catalogue: the union derived from the schemas. */
export type TruceEvent = { [T in EventType]: EventOf<T> }[EventType];

/** The payload of an event type. */
export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;

/** A proposal's terms. */
export type Terms = z.infer<typeof Terms>;
/** One phase of a proposal's terms. */
export type PhaseTerms = z.infer<typeof PhaseTerms>;
/** A party declared at the opening. */
export type Party = z.infer<typeof Party>;
/** An event's source. */
export type Source = z.infer<typeof Source>;
/** An obligation of a phase's terms. */
export type Obligation = z.infer<typeof Obligation>;
