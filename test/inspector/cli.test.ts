import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { truce, writeGenerated } from '../cli/truce.js';
import {
  november,
  novemberLines,
  type RunningInspector,
  rawGet,
  startCli,
  writeLog,
} from './fixtures.js';

const running: RunningInspector[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

describe('truce inspect', () => {
  it('binds to 127.0.0.1, prints the URL, serves the log and stops on SIGTERM', async () => {
    const r = await startCli(november);
    running.push(r);
    expect(r.stdout()).toMatch(
      /^truce inspector for .*november-2023\.jsonl: http:\/\/127\.0\.0\.1:\d+\/$/m,
    );
    const log = await rawGet(r.url, '/api/log');
    expect(log.status).toBe(200);
    expect(JSON.parse(log.body).steps).toHaveLength(22);
    expect(await r.stop()).toBe(0);
  });

  it("replays the last step's report as soon as it is up, before any page asks: a long log's checkpoint cache is built", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'truce-prewarm-')), 'long.jsonl');
    writeGenerated(file, 3000, 6);
    // Past the cache's least size (256 KiB), so a report is replayed through the cache.
    expect(statSync(file).size).toBeGreaterThan(256 * 1024);
    const r = await startCli(file);
    running.push(r);
    // No request is made: the index appears once the report is replayed, up to the last event.
    const index = join(`${file}.truce-cache`, 'index.json');
    const deadline = Date.now() + 40_000;
    await until(async () => existsSync(index) || Date.now() > deadline);
    expect(JSON.parse(readFileSync(index, 'utf8')).end.seq).toBe(3000);
  });

  it('stopped while that report is still replayed, exits 0 and leaves a cache every query can use', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'truce-prewarm-stop-')), 'long.jsonl');
    // Long enough that building its cache takes a while after the address is printed.
    writeGenerated(file, 60_000, 8);
    const r = await startCli(file);
    expect(await r.stop()).toBe(0);
    // Whatever the stop left of the cache, a query through it answers as one without it.
    const cached = truce(['replay', file]);
    const cold = truce(['replay', file, '--no-cache']);
    expect(cached.status).toBe(0);
    expect(cached.stdout).toBe(cold.stdout);
    const again = truce(['status', file, '--until', '59000']);
    expect(again.stdout).toBe(truce(['status', file, '--until', '59000', '--no-cache']).stdout);
  });

  it('exits 4 with one sentence when the log does not exist', () => {
    const result = truce(['inspect', 'no/such/log.jsonl', '--port', '0']);
    expect(result.status).toBe(4);
    expect(result.stderr).toMatch(/^error: no\/such\/log\.jsonl: cannot read the log/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 4 with one sentence when the port is taken', async () => {
    const first = await startCli(november);
    running.push(first);
    const port = new URL(first.url).port;
    const result = truce(['inspect', november, '--port', port]);
    expect(result.status).toBe(4);
    expect(result.stderr).toBe(
      `error: port ${port} on 127.0.0.1 is in use; choose another with --port\n`,
    );
  });

  it('exits 2 on a bad port', () => {
    expect(truce(['inspect', november, '--port', 'eighty']).status).toBe(2);
    expect(truce(['inspect', november, '--port', '70000']).status).toBe(2);
  });

  it('--stately sends the replay to a Stately inspector WebSocket', async () => {
    const receiver = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => receiver.once('listening', () => resolve()));
    const port = (receiver.address() as AddressInfo).port;
    const received: Array<{
      type: string;
      event?: { type?: string };
      snapshot?: { value?: unknown };
    }> = [];
    receiver.on('connection', (socket) => {
      socket.on('message', (data) => received.push(JSON.parse(String(data))));
    });
    try {
      const file = writeLog(novemberLines().slice(0, 5));
      const r = await startCli(file, ['--stately', '--stately-url', `ws://127.0.0.1:${port}`]);
      running.push(r);
      const deadline = Date.now() + 10_000;
      const sent = () =>
        received.filter((e) => e.type === '@xstate.event').map((e) => e.event?.type);
      const last = () => received.filter((e) => e.type === '@xstate.snapshot').at(-1);
      // The snapshot after an event is its own message: wait for it too, not only the event.
      while (
        Date.now() < deadline &&
        !(sent().includes('phase.started') && last()?.snapshot?.value === 'inPhase')
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(received.some((e) => e.type === '@xstate.actor')).toBe(true);
      expect(sent()).toEqual(
        expect.arrayContaining([
          'negotiation.opened',
          'proposal.sent',
          'proposal.accepted',
          'phase.started',
        ]),
      );
      const snapshots = received.filter((e) => e.type === '@xstate.snapshot');
      expect(snapshots.at(-1)?.snapshot?.value).toBe('inPhase');
    } finally {
      for (const client of receiver.clients) client.terminate();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('--stately serves a bridge on 127.0.0.1 that relays the run to its own page only', async () => {
    const port = await freePort();
    const file = writeLog(novemberLines().slice(0, 5));
    const r = await startCli(file, ['--stately', '--stately-port', String(port)]);
    running.push(r);
    const bridge = `http://127.0.0.1:${port}/`;
    const deadline = Date.now() + 5_000;
    while (!r.stdout().includes('Ctrl-C') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(r.stdout()).toContain(`Stately inspector bridge: http://localhost:${port}/`);
    const page = await rawGet(bridge, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain(
      '<iframe id="inspector" title="Stately inspector" src="https://stately.ai/inspect">',
    );
    expect(page.body).not.toMatch(/<script>/);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect((await rawGet(bridge, '/', { Host: 'evil.example' })).status).toBe(403);
    expect((await rawGet(bridge, '/../package.json')).status).toBe(404);

    const events = await new Promise<Array<{ type: string; event?: { type?: string } }>>(
      (resolve, reject) => {
        const got: Array<{ type: string; event?: { type?: string } }> = [];
        const socket = new WebSocket(`ws://127.0.0.1:${port}`, {
          origin: `http://127.0.0.1:${port}`,
        });
        socket.on('message', (data) => {
          got.push(JSON.parse(String(data)));
          if (got.some((e) => e.type === '@xstate.event' && e.event?.type === 'phase.started')) {
            socket.close();
            resolve(got);
          }
        });
        socket.on('error', reject);
        setTimeout(() => reject(new Error(`only ${got.length} events arrived`)), 10_000);
      },
    );
    expect(events.some((e) => e.type === '@xstate.actor')).toBe(true);

    const refused = await new Promise<string>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}`, { origin: 'https://evil.example' });
      socket.on('open', () => resolve('open'));
      socket.on('error', (error) => resolve(error.message));
    });
    expect(refused).toMatch(/401|403/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('truce inspect and a log briefly replaced by a FIFO (issue 11, finding 6)', () => {
  it('shows the problem without hanging, follows the file once it is back, and stops on the first SIGTERM', async () => {
    const lines = novemberLines();
    const file = writeLog(lines.slice(0, 5));
    const r = await startCli(file);
    running.push(r);
    const view = async () => JSON.parse((await rawGet(r.url, '/api/log')).body);
    expect((await view()).steps).toHaveLength(5);
    renameSync(file, `${file}.away`);
    spawnSync('mkfifo', [file]);
    // (A refresh between the rename and mkfifo may first report the file missing.)
    await until(async () => /named pipe \(FIFO\)/.test((await view()).problem?.message ?? ''));
    expect((await view()).problem.kind).toBe('io');
    rmSync(file);
    writeFileSync(`${file}.away`, lines.slice(0, 7).join(''));
    renameSync(`${file}.away`, file);
    await until(async () => {
      const now = await view();
      return now.steps.length === 7 && now.problem === null;
    });
    // One SIGTERM, and it is gone: no read is left blocked on the FIFO.
    r.child.kill('SIGTERM');
    const code = await new Promise((resolve) => {
      if (r.child.exitCode !== null) resolve(r.child.exitCode);
      else r.child.once('exit', resolve);
    });
    expect(code).toBe(0);
  }, 600_000);
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 25));
}
