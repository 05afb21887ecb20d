// Crash-test child: appends to LOG in a loop (single events and batches) and prints each id
// once its append is acknowledged. The parent kills it with SIGKILL at a random moment.
import { FileEventStore } from '../../../dist/store/index.js';

const [log, prefix] = process.argv.slice(2);
const store = new FileEventStore(log, { snapshotEvery: 16, warn: () => undefined });
const event = (id) => ({
  id,
  type: 'aid.delivered',
  at: '2023-11-24T10:00:00Z',
  data: { region: 'south', trucks: 1, pad: 'x'.repeat(Math.floor(Math.random() * 2000)) },
});
process.stdout.write('ready\n');
for (let n = 0; ; n++) {
  const size = n % 3 === 0 ? 1 + Math.floor(Math.random() * 40) : 1;
  const batch = Array.from({ length: size }, (_, i) => event(`${prefix}-${n}-${i}`));
  await store.append(batch);
  process.stdout.write(`${batch.map((e) => e.id).join('\n')}\n`);
}
