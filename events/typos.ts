import { type EventType, eventDataSchemas, type TruceEvent } from './catalogue.js';

/** An unknown field of an event's `data` that looks like a misspelt known one. */
export interface LikelyTypo {
  /** `data.hostage` */
  path: string;
  /** `data.hostages` */
  suggestion: string;
}

const knownFields = new Map<EventType, readonly string[]>(
  Object.entries(eventDataSchemas).map(([type, schema]) => [
    type as EventType,
    Object.keys(schema.shape),
  ]),
);

/**
 * Unknown top-level fields of `event.data` within two edits of a field its type defines. Unknown
 * fields are kept and ignored (log format v1), so a misspelt optional field such as `hostage`
 * would silently drop a count; this finds those for a warning.
 *
 * @example
 * likelyTypos(event); // [{ path: 'data.hostage', suggestion: 'data.hostages' }]
 */
export function likelyTypos(event: TruceEvent): LikelyTypo[] {
  const known = knownFields.get(event.type) ?? [];
  const typos: LikelyTypo[] = [];
  for (const key of Object.keys(event.data)) {
    if (known.includes(key)) continue;
    // Short names are one edit from many words, so they get less slack.
    const slack = key.length < 5 ? 1 : 2;
    const near = known.find(
      (field) => editDistance(key.toLowerCase(), field.toLowerCase()) <= slack,
    );
    if (near !== undefined) typos.push({ path: `data.${key}`, suggestion: `data.${near}` });
  }
  return typos;
}

/** Levenshtein distance, for short field names. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
