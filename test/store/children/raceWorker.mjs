// Race-test child: waits for `go ROUND EXPECTED` lines on stdin, appends one event with that
// expected version and answers `ok ROUND SEQ` or `conflict ROUND ACTUAL`.
import { createInterface } from 'node:readline';
import { FileEventStore } from '../../../dist/store/index.js';

const [log, worker] = process.argv.slice(2);
const store = new FileEventStore(log, { warn: () => undefined });
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const [, round, expected] = line.split(' ');
  const event = {
    id: `r${round}-w${worker}`,
    type: 'aid.delivered',
    at: '2023-11-24T10:00:00Z',
    data: { region: 'south', trucks: 1 },
  };
  try {
    const { seqs } = await store.append([event], { expectedVersion: Number(expected) });
    process.stdout.write(`ok ${round} ${seqs[0]}\n`);
  } catch (error) {
    if (error.code !== 'CONCURRENCY_CONFLICT') throw error;
    process.stdout.write(`conflict ${round} ${error.actual}\n`);
  }
}
