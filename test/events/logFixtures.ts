/** Lines and whole logs, good and bad, shared by the reader and CLI tests. */

/** A valid event of each shape the tests need, as an object to tweak before serialising. */
export function event(
  seq: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    seq,
    id: `ev-${seq}`,
    type: 'aid.delivered',
    at: '2023-11-24T07:00:00+02:00',
    data: { region: 'north', trucks: 50 },
    ...overrides,
  };
}

/** A realistic opening of a log: the first lines of the November 2023 truce. */
export const openingLines: string[] = [
  {
    seq: 1,
    id: 'nov23-001',
    type: 'negotiation.opened',
    at: '2023-11-22T08:00:00Z',
    data: {
      title: 'Gaza hostage-release truce',
      parties: [
        { id: 'israel', name: 'Israel', role: 'principal' },
        { id: 'hamas', name: 'Hamas', role: 'principal' },
        { id: 'qatar', name: 'Qatar', role: 'mediator' },
      ],
      held: { women: 40, children: 35 },
    },
    source: { name: 'AP', url: 'https://apnews.com/', confidence: 'confirmed' },
  },
  {
    seq: 2,
    id: 'nov23-002',
    type: 'proposal.sent',
    at: '2023-11-22T09:00:00Z',
    data: {
      proposalId: 'p1',
      from: 'qatar',
      to: ['israel', 'hamas'],
      terms: {
        phases: [
          {
            days: 4,
            hostages: [{ category: 'women', count: 50 }],
            exchange: [{ category: 'women', prisonersPerHostage: 3 }],
            extension: { hostagesPerDay: 10, prisonersPerHostage: 3 },
          },
        ],
        permanentCeasefire: false,
      },
    },
  },
  {
    seq: 3,
    id: 'nov23-003',
    type: 'release.completed',
    at: '2023-11-24T16:00:00+02:00',
    data: {
      phase: 1,
      hostages: [{ category: 'women', count: 13 }],
      prisoners: [{ category: 'women', count: 39 }],
    },
  },
].map((e) => JSON.stringify(e));

/** A whole valid log text, `\n`-terminated. */
export const goodLog = `${openingLines.join('\n')}\n`;

/** A bad log, the line that must be named, and what the message must say. */
export interface BadLog {
  name: string;
  content: string | Uint8Array;
  line: number;
  message: RegExp;
  torn?: boolean;
}

const [l1, l2] = openingLines as [string, string, string];
const line = (e: Record<string, unknown>): string => JSON.stringify(e);

/** Bytes that are not UTF-8 (and hold no `\n`), from a fixed seed so failures reproduce. */
export function randomBinary(length: number, seed = 42): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const byte = x >> 16;
    out[i] = byte & 0xff;
    if (out[i] === 10) out[i] = 0xff;
  }
  out[0] = 0xff;
  return out;
}

function concat(...parts: (string | Uint8Array)[]): Uint8Array {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}

/** Every bad input issue 2 lists, and a few more. */
export const badLogs: BadLog[] = [
  {
    name: 'not JSON',
    content: `${l1}\n{seq: 2, id: "x"}\n`,
    line: 2,
    message: /line 2: not valid JSON/,
  },
  {
    name: 'JSON that is not an object',
    content: `${l1}\n[1,2,3]\n`,
    line: 2,
    message: /line 2: expected a JSON object, found an array/,
  },
  {
    name: 'missing seq',
    content: `${l1}\n${line({ ...event(2), seq: undefined })}\n`,
    line: 2,
    message: /line 2 .*seq: expected .*found nothing/,
  },
  {
    name: 'a seq gap',
    content: `${l1}\n${l2}\n${line(event(5))}\n`,
    line: 3,
    message: /line 3 \(seq 5, type aid.delivered\): seq: expected seq 3, found 5/,
  },
  {
    name: 'a repeated seq',
    content: `${l1}\n${l2}\n${line(event(2))}\n`,
    line: 3,
    message: /line 3 .*seq: expected seq 3, found 2 \(seq 2 is repeated\)/,
  },
  {
    name: 'a repeated id',
    content: `${l1}\n${l2}\n${line(event(3, { id: 'nov23-001' }))}\n`,
    line: 3,
    message: /line 3 .*id: expected a unique id, found "nov23-001" already used on line 1/,
  },
  {
    name: 'an empty id',
    content: `${l1}\n${line(event(2, { id: '' }))}\n`,
    line: 2,
    message: /line 2 .*id: expected a non-empty string/,
  },
  {
    name: 'an unknown type',
    content: `${l1}\n${line(event(2, { type: 'ceasefire.declared' }))}\n`,
    line: 2,
    message:
      /line 2 \(seq 2\): type: expected one of negotiation.opened, .*found "ceasefire.declared"/,
  },
  {
    name: 'a missing required data field',
    content: `${l1}\n${line(event(2, { data: { trucks: 5 } }))}\n`,
    line: 2,
    message: /line 2 .*data.region: expected a string, found nothing/,
  },
  {
    name: 'a field of the wrong type',
    content: `${l1}\n${line(event(2, { data: { region: 'north', trucks: '50' } }))}\n`,
    line: 2,
    message: /line 2 .*data.trucks: expected a number, found "50"/,
  },
  {
    name: 'a negative count',
    content: `${l1}\n${line(event(2, { data: { region: 'north', trucks: -3 } }))}\n`,
    line: 2,
    message: /line 2 .*data.trucks: expected a number ≥ 0, found -3/,
  },
  {
    name: 'a fractional count',
    content: `${l1}\n${l2}\n${line(event(3, { type: 'release.completed', data: { phase: 1, hostages: [{ category: 'women', count: 2.5 }] } }))}\n`,
    line: 3,
    message: /line 3 .*data.hostages\[0\].count: expected a whole number, found 2.5/,
  },
  {
    name: 'data that is not an object',
    content: `${l1}\n${line(event(2, { data: 'fifty trucks' }))}\n`,
    line: 2,
    message: /line 2 .*data: expected an object, found "fifty trucks"/,
  },
  {
    name: 'an unparsable date',
    content: `${l1}\n${line(event(2, { at: 'last Friday' }))}\n`,
    line: 2,
    message: /line 2 .*at: expected an ISO 8601 date-time with a zone/,
  },
  {
    name: 'a date without a zone',
    content: `${l1}\n${line(event(2, { at: '2023-11-24T07:00:00' }))}\n`,
    line: 2,
    message: /line 2 .*at: expected an ISO 8601 date-time with a zone/,
  },
  {
    name: 'a date that does not exist',
    content: `${l1}\n${line(event(2, { at: '2023-02-30T07:00:00Z' }))}\n`,
    line: 2,
    message: /line 2 .*at: expected an ISO 8601 date-time/,
  },
  {
    name: 'random binary bytes',
    content: concat(`${l1}\n`, randomBinary(4096), '\n'),
    line: 2,
    message: /line 2: expected UTF-8 text, found invalid bytes/,
  },
  {
    name: 'a torn last line',
    content: `${l1}\n${l2}\n${(openingLines[2] as string).slice(0, 40)}`,
    line: 3,
    message: /line 3: incomplete \(torn\) last line/,
    torn: true,
  },
  {
    name: 'a torn last line cut inside a UTF-8 character',
    content: concat(`${l1}\n`, Buffer.from('{"seq":2,"id":"é').subarray(0, 15)),
    line: 2,
    message: /line 2: incomplete \(torn\) last line/,
    torn: true,
  },
  {
    name: 'a blank line',
    content: `${l1}\n\n${l2}\n`,
    line: 2,
    message: /line 2: expected an event, found a blank line/,
  },
  {
    name: 'a first seq other than 1',
    content: `${line(event(2))}\n`,
    line: 1,
    message: /line 1 .*seq: expected seq 1, found 2/,
  },
  {
    name: 'a whole but invalid last event without its newline (not torn)',
    content: `${l1}\n${line(event(2, { data: { region: 'north', trucks: -1 } }))}`,
    line: 2,
    message: /line 2 .*data.trucks: expected a number ≥ 0/,
  },
];

/** Good logs that must read: the accepted variations of the format. */
export const goodLogs: { name: string; content: string | Uint8Array; events: number }[] = [
  { name: 'a plain log', content: goodLog, events: 3 },
  { name: 'CRLF line ends', content: `${openingLines.join('\r\n')}\r\n`, events: 3 },
  { name: 'a UTF-8 BOM', content: `\ufeff${goodLog}`, events: 3 },
  {
    name: 'unknown fields at the top and in data',
    content: `${l1}\n${line(event(2, { editor: 'kb', data: { region: 'north', trucks: 5, convoy: 'A7' } }))}\n`,
    events: 2,
  },
  { name: 'a last line without its newline', content: openingLines.join('\n'), events: 3 },
  { name: 'an empty log', content: '', events: 0 },
  {
    name: 'an explicit v: 1 and a recordedAt',
    content: `${line(event(1, { v: 1, recordedAt: '2023-11-25T00:00:00Z' }))}\n`,
    events: 1,
  },
];
