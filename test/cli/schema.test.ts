import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { event, openingLines } from '../events/logFixtures.js';
import { truce } from './truce.js';

const run = truce(['schema']);
const schema = JSON.parse(run.stdout);
// An independent validator: `format` is left to the schema's own date-time pattern.
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const validate = ajv.compile(schema);

describe('truce schema', () => {
  it('prints a draft 2020-12 JSON Schema and exits 0', () => {
    expect(run.status).toBe(0);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  const goodLines: [string, unknown][] = [
    ...openingLines.map((line, i): [string, unknown] => [
      `opening line ${i + 1}`,
      JSON.parse(line),
    ]),
    ['an aid delivery', event(4)],
    ['unknown fields', event(4, { editor: 'kb', data: { region: 'n', trucks: 1, convoy: 'A7' } })],
    [
      'a source and recordedAt',
      event(4, {
        source: { name: 'AP', confidence: 'reported' },
        recordedAt: '2023-11-25T10:00:00.5-05:00',
      }),
    ],
    ['hostages counted', event(4, { type: 'hostages.counted', data: { held: { women: 10 } } })],
  ];
  it.each(goodLines)('accepts a good line: %s', (_name, line) => {
    expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['not an object', [1, 2]],
    ['missing seq', { ...event(1), seq: undefined }],
    ['seq 0', event(0)],
    ['an empty id', event(1, { id: '' })],
    ['an unknown type', event(1, { type: 'ceasefire.declared' })],
    ['a missing data field', event(1, { data: { trucks: 1 } })],
    ['a field of the wrong type', event(1, { data: { region: 'n', trucks: '1' } })],
    ['a negative count', event(1, { data: { region: 'n', trucks: -1 } })],
    ['a fractional count', event(1, { data: { region: 'n', trucks: 1.5 } })],
    ['data not an object', event(1, { data: 'x' })],
    ['an unparsable date', event(1, { at: 'last Friday' })],
    ['a date without a zone', event(1, { at: '2023-11-24T07:00:00' })],
    ['a bad confidence', event(1, { source: { confidence: 'rumour' } })],
    ['the data of another type', event(1, { type: 'phase.started' })],
  ])('rejects a bad line: %s', (_name, line) => {
    expect(validate(JSON.parse(JSON.stringify(line)))).toBe(false);
  });
});
