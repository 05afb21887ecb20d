import { z } from 'zod';
import { Envelope, type EventType, eventDataSchemas, eventTypes } from './catalogue.js';

/** A JSON Schema document, as plain JSON. */
export type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema (draft 2020-12) of one log line: the envelope, with `data` checked by the
 * schema of the line's `type`. Unknown fields are allowed, as the reader keeps them. Rules a
 * JSON Schema cannot state (seq contiguity, unique ids, real calendar dates, at least two
 * principals) are checked by `truce validate` only.
 *
 * @example
 * console.log(JSON.stringify(logLineJsonSchema(), null, 2));
 */
export function logLineJsonSchema(): JsonSchema {
  const variants = eventTypes.map((type) =>
    Envelope.extend({
      type: z.literal(type),
      data: eventDataSchemas[type as EventType],
    }),
  );
  const [first, ...rest] = variants;
  if (!first) throw new Error('the event catalogue is empty');
  const line = z.discriminatedUnion('type', [first, ...rest]).meta({
    title: 'truce log line (format v1)',
    description:
      'One line of a truce log: a JSON object with seq, id, type, at, data and optional source, v, recordedAt.',
  });
  const schema = z.toJSONSchema(line, {
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as JsonSchema;
  return { ...schema, $id: 'https://truce.dev/schema/log-line-v1.json' };
}
