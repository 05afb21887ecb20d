// Kill-test child: reads batches of event ids (one batch per stdin line, ids separated by
// spaces), appends each batch to a PostgreSQL stream and answers `ok IDS` once acknowledged.
// The id `open` is the opening; the others are aid deliveries.
import { createInterface } from 'node:readline';
import { PostgresEventStore } from '../../../dist/store/index.js';

const [url, stream] = process.argv.slice(2);
const store = new PostgresEventStore({ url, stream, warn: () => undefined });
const opened = {
  id: 'open',
  type: 'negotiation.opened',
  at: '2023-11-22T08:00:00Z',
  data: {
    title: 'Kill test',
    parties: [
      { id: 'israel', name: 'Israel', role: 'principal' },
      { id: 'hamas', name: 'Hamas', role: 'principal' },
    ],
  },
};
const aid = (id) => ({
  id,
  type: 'aid.delivered',
  at: '2023-11-24T10:00:00Z',
  data: { region: 'south', trucks: 1 },
});
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const ids = line.split(' ');
  await store.append(ids.map((id) => (id === 'open' ? opened : aid(id))));
  process.stdout.write(`ok ${ids.join(' ')}\n`);
}
await store.close();
