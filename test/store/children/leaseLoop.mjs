// Lease-attack child: appends COUNT single events (ids PREFIX-0…) to LOG in a loop, as fast as
// it can, printing `ack ID SEQ` once each is acknowledged; with `expect`, every append names the
// head it expects and, on a conflict, retries with the actual head. COUNT 0 loops until stdin
// closes. Prints `done` at the end. The lock wait is long: a starved writer shows as a test that
// never ends (the parent's safety net), not as this child's own timeout.
import { FileEventStore } from '../../../dist/store/index.js';

const [log, prefix, countText, mode] = process.argv.slice(2);
const count = Number(countText);
const store = new FileEventStore(log, { warn: () => undefined, lock: { timeoutMs: 600_000 } });
let stop = false;
process.stdin.on('end', () => {
  stop = true;
});
process.stdin.resume();
let expected = mode === 'expect' ? await store.head() : undefined;
process.stdout.write('ready\n');
for (let n = 0; count === 0 ? !stop : n < count; ) {
  const event = {
    id: `${prefix}-${n}`,
    type: 'aid.delivered',
    at: '2023-11-24T10:00:00Z',
    data: { region: 'south', trucks: 1 },
  };
  try {
    const options = expected === undefined ? {} : { expectedVersion: expected };
    const { seqs, head } = await store.append([event], options);
    process.stdout.write(`ack ${event.id} ${seqs[0]}\n`);
    if (expected !== undefined) expected = head;
    n++;
  } catch (error) {
    if (error.code !== 'CONCURRENCY_CONFLICT') throw error;
    expected = error.actual;
  }
}
process.stdout.write('done\n');
process.stdin.pause();
