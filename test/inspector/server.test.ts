import { appendFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnyStateNode } from 'xstate';
import {
  CONTENT_SECURITY_POLICY,
  type InspectorServer,
  LogSession,
  type LogView,
  machineGraph,
  startInspector,
} from '../../inspector/index.js';
import { dealMachine } from '../../machines/index.js';
import { Replayer, replayLog } from '../../replay/index.js';
import { CheckpointMemo } from '../../store/index.js';
import { writeGenerated } from '../cli/truce.js';
import {
  actorSteps,
  assetsDir,
  expectWindows,
  november,
  novemberLines,
  rawGet,
  traversalPaths,
  writeLog,
} from './fixtures.js';

const open: InspectorServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function serve(file: string): Promise<InspectorServer> {
  const server = await startInspector({ file, port: 0, assetsDir, pollMs: 100 });
  open.push(server);
  return server;
}

/** Reads Server-Sent Events from `/api/live`, one parsed message at a time. */
function live(url: string) {
  const messages: LogView[] = [];
  const waiters: Array<() => void> = [];
  const req = get(new URL('api/live', url), (res) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        if (data) {
          messages.push(JSON.parse(data) as LogView);
          for (const wake of waiters.splice(0)) wake();
        }
        end = buffer.indexOf('\n\n');
      }
    });
  });
  return {
    messages,
    async next(count: number, timeoutMs: number): Promise<LogView> {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no live message ${count} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, left);
        });
      }
      return messages[count - 1] as LogView;
    },
    close: () => req.destroy(),
  };
}

describe('the statechart graph', () => {
  it('has one node per state of the deal machine, with dotted paths', () => {
    const { graph } = machineGraph(dealMachine);
    const expected: string[] = [];
    const walk = (node: AnyStateNode) => {
      for (const child of Object.values(node.states) as AnyStateNode[]) {
        expected.push(child.path.join('.'));
        walk(child);
      }
    };
    walk(dealMachine.root);
    expect(graph.states.map((s) => s.path)).toEqual(expected);
    expect(graph.states.map((s) => s.path)).toContain('negotiating.proposalOnTable');
    // concluded is no longer final: the world's events (aid, remains, flare-ups) are still recorded after it.
    expect(graph.states.find((s) => s.path === 'concluded')?.kind).toBe('atomic');
    expect(graph.states.find((s) => s.path === 'negotiating')?.kind).toBe('compound');
  });

  it('has every transition of the definition, the eventless ones included', () => {
    const { graph } = machineGraph(dealMachine);
    const has = (source: string, event: string, target?: string) =>
      graph.transitions.some(
        (t) =>
          t.source === source &&
          t.event === event &&
          (target === undefined ? t.targets.length === 0 : t.targets.includes(target)),
      );
    expect(has('unopened', 'negotiation.opened', 'negotiating')).toBe(true);
    expect(has('negotiating.awaitingProposal', 'always', 'agreed')).toBe(true);
    expect(has('negotiating.proposalOnTable', 'always', 'negotiating.awaitingProposal')).toBe(true);
    expect(has('agreed', 'always', 'negotiating')).toBe(true);
    expect(has('inPhase', 'phase.completed', 'concluded')).toBe(true);
    expect(has('inPhase', 'release.completed')).toBe(true);
    expect(has('negotiating', 'hostilities.resumed', 'collapsed')).toBe(true);
    for (const state of graph.states) {
      const node = dealMachine.getStateNodeById(`deal.${state.path}`);
      for (const event of node.transitions.keys()) {
        expect(graph.transitions.some((t) => t.source === state.path && t.event === event)).toBe(
          true,
        );
      }
    }
  });
});

describe('a log session', () => {
  it('gives at every step exactly the report replay gives with --until', async () => {
    const session = new LogSession(november);
    await session.refresh();
    const { steps } = session.view();
    expect(steps).toHaveLength(22);
    for (const step of steps) {
      const { report } = await replayLog(november, { until: step.seq });
      expect(await session.report(step.seq)).toEqual(report);
      expect(step.after).toBe(report.state);
    }
    session.close();
  });

  it('records the transitions each event took, eventless ones included', async () => {
    const session = new LogSession(november);
    await session.refresh();
    const { graph } = machineGraph(dealMachine);
    const describe = (seq: number) =>
      session
        .view()
        .steps[seq - 1]?.transitions.map((id) => graph.transitions.find((t) => t.id === id))
        .map((t) => `${t?.source}:${t?.event}>${t?.targets.join(',')}`);
    expect(describe(1)).toEqual(['unopened:negotiation.opened>negotiating']);
    expect(describe(2)).toEqual([
      'negotiating.awaitingProposal:proposal.sent>',
      'negotiating.awaitingProposal:always>negotiating.proposalOnTable',
    ]);
    expect(describe(5)).toEqual(['agreed:phase.started>inPhase']);
    expect(describe(22)).toEqual(['negotiating:hostilities.resumed>collapsed']);
    session.close();
  });

  it('gives every step of a long log, the older ones read again from the file, as an XState actor takes it', async () => {
    const { lines, session } = await longSession(2500, 9);
    const oracle = actorSteps(lines);
    expect(session.count).toBe(2500);
    // Whole, and in windows that start and end anywhere: the first read again from the file,
    // the last the session's own.
    expect(JSON.parse(JSON.stringify(await session.steps(0, 2500)))).toEqual(oracle);
    await expectWindows(session, oracle, [
      [0, 1],
      [1, 2],
      [17, 1017],
      [999, 1000],
      [1200, 2500],
      [2499, 2600],
    ]);
    expect(await session.steps(2500)).toEqual([]);
    expect(await session.steps(2501)).toBeUndefined();
    // Eventless transitions are among them, and steps that leave the state as it was.
    expect(oracle.some((step) => step.transitions.length > 1)).toBe(true);
    expect(oracle.some((step) => step.before === step.after)).toBe(true);
    session.close();
  });

  it('does not give an older step of a file rewritten under it, and shows the new file once it reads it', async () => {
    const { file, lines, session } = await longSession(2100, 4);
    const heard: number[] = [];
    session.subscribe((delta) => heard.push(delta.revision));
    const edited = withTenthRewritten(lines);
    writeFileSync(file, `${edited.join('\n')}\n`);
    expect(await session.steps(0, 20)).toBeUndefined();
    // The session reads the file again: the new instant, as a fresh session shows it.
    await session.refresh();
    expect(heard.length).toBeGreaterThan(0);
    const shown = await session.steps(0, 20);
    expect(shown?.[9]?.event.at).toBe(JSON.parse(edited[9] as string).at);
    const fresh = new LogSession(file);
    await fresh.refresh();
    expect(JSON.stringify(shown)).toBe(JSON.stringify(await fresh.steps(0, 20)));
    fresh.close();
    session.close();
  });

  it('gives an older step of a file appended to since it was read, before it reads the file again, and not once a line before it is rewritten', async () => {
    const { file, lines, session } = await longSession(2101, 4, 2100);
    const before = JSON.stringify(await session.steps(0, 20));
    // Appended behind the session's back: its bytes so far are proven again, and still given.
    appendFileSync(file, `${lines[2100]}\n`);
    expect(JSON.stringify(await session.steps(0, 20))).toBe(before);
    expect(JSON.stringify(await session.steps(0, 20))).toBe(before);
    expect(session.count).toBe(2100);
    writeFileSync(file, `${withTenthRewritten(lines).join('\n')}\n`);
    expect(await session.steps(0, 20)).toBeUndefined();
    session.close();
  });

  it('shows the events up to a rejected one and the rejection with its reason', async () => {
    const lines = novemberLines().slice(0, 2);
    lines.push(
      `${JSON.stringify({ seq: 3, id: 'bad', type: 'phase.completed', at: '2023-11-22T02:00:00Z', data: { phase: 1 } })}\n`,
    );
    const session = new LogSession(writeLog(lines));
    await session.refresh();
    const view = session.view();
    expect(view.steps).toHaveLength(2);
    expect(view.problem).toMatchObject({
      kind: 'rejected',
      line: 3,
      state: 'negotiating.proposalOnTable',
      event: { seq: 3, type: 'phase.completed' },
    });
    expect(view.problem?.reason).toMatch(/phase/);
    expect(view.problem?.message).toMatch(/line 3 \(seq 3, type phase\.completed\): rejected/);
    session.close();
  });

  it('opens an empty log at the start: no events, state unopened', async () => {
    const session = new LogSession(writeLog([]));
    await session.refresh();
    expect(session.view()).toMatchObject({ steps: [], problem: null });
    expect((await session.report(0))?.state).toBe('unopened');
    session.close();
  });

  it('shows the events up to a malformed line and what is wrong with it', async () => {
    const lines = [...novemberLines().slice(0, 3), '{"seq": 4, not json\n'];
    const session = new LogSession(writeLog(lines));
    await session.refresh();
    expect(session.view().steps).toHaveLength(3);
    expect(session.view().problem).toMatchObject({ kind: 'invalid', line: 4 });
    expect(session.view().problem?.message).toMatch(/line 4.*not valid JSON/);
    session.close();
  });
});

describe('the inspector server', () => {
  it('serves the page with a Content-Security-Policy and no inline script', async () => {
    const server = await serve(november);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await rawGet(server.url, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.body).not.toMatch(/\son[a-z]+=/i);
    const script = await rawGet(server.url, '/assets/inspector.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
  });

  it('answers 404 to .., encoded .., absolute paths and anything not its own', async () => {
    const server = await serve(november);
    for (const path of traversalPaths) {
      const response = await rawGet(server.url, path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(response.body).not.toContain('"name": "truce"');
    }
    expect((await rawGet(server.url, '/api/report/23')).status).toBe(404);
    expect((await rawGet(server.url, '/api/report/-1')).status).toBe(404);
  });

  it('refuses requests for another host name (DNS rebinding)', async () => {
    const server = await serve(november);
    const response = await rawGet(server.url, '/api/log', { Host: 'evil.example:80' });
    expect(response.status).toBe(403);
    expect((await rawGet(server.url, '/api/log', { Host: 'localhost' })).status).toBe(200);
  });

  it('gives the log and the report at every seq, equal to replay --until', async () => {
    const server = await serve(november);
    const log = JSON.parse((await rawGet(server.url, '/api/log')).body) as LogView;
    expect(log.steps.map((s) => s.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    for (const k of [1, 5, 14, 22]) {
      const body = JSON.parse((await rawGet(server.url, `/api/report/${k}`)).body);
      expect(body.report).toEqual(
        JSON.parse(JSON.stringify((await replayLog(november, { until: k })).report)),
      );
    }
  });

  it('sends the last 1,000 steps of a long log, whether each step moves, and the others by window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truce-window-'));
    const file = join(dir, 'long.jsonl');
    const lines = writeGenerated(file, 2500, 5).split('\n').filter(Boolean);
    const server = await serve(file);
    const all = actorSteps(lines);
    const types = lines.map((line) => (JSON.parse(line) as { type: string }).type);
    const log = JSON.parse((await rawGet(server.url, '/api/log')).body) as LogView;
    expect(log).toMatchObject({ from: 0, count: 2500, start: 1500 });
    expect(log.steps.map((s) => s.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => 1501 + i));
    expect(log.steps.map((s) => s.event.type)).toEqual(types.slice(1500));
    expect(log.moves).toBe(all.map((s) => (s.before === s.after ? '0' : '1')).join(''));
    expect(log.moves).toMatch(/1/);
    expect(log.moves).toMatch(/0/);
    const stream = live(server.url);
    try {
      expect(await stream.next(1, 10_000)).toEqual(log);
    } finally {
      stream.close();
    }
    for (const start of [0, 999, 1000, 2000]) {
      const window = JSON.parse((await rawGet(server.url, `/api/steps/${start}`)).body);
      expect(window.revision).toBe(log.revision);
      expect(window.start).toBe(start);
      expect(window.steps).toEqual(JSON.parse(JSON.stringify(all.slice(start, start + 1000))));
      expect(window.steps.map((s: { event: { type: string } }) => s.event.type)).toEqual(
        types.slice(start, start + 1000),
      );
    }
    expect(JSON.parse((await rawGet(server.url, '/api/steps/2500')).body).steps).toEqual([]);
    for (const path of ['/api/steps/2501', '/api/steps/01', '/api/steps/-1', '/api/steps/']) {
      expect((await rawGet(server.url, path)).status, path).toBe(404);
    }
  });

  it('gives at a step of a long log the report with its long lists cut, and what changed on the whole', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'truce-step-')), 'long.jsonl');
    writeGenerated(file, 3000, 11);
    const server = await serve(file);
    /** Leaves by keys, in JSON order: the oracle's own flattening. */
    const flat = (value: unknown, keys: string[] = [], out: Array<[string[], unknown]> = []) => {
      if (value !== null && typeof value === 'object') {
        for (const key of Object.keys(value)) {
          flat((value as Record<string, unknown>)[key], [...keys, key], out);
        }
      } else out.push([keys, value]);
      return out;
    };
    let cutSomewhere = false;
    for (const seq of [1, 2, 1500, 2999, 3000]) {
      const view = JSON.parse((await rawGet(server.url, `/api/step/${seq}`)).body);
      const whole = JSON.parse(JSON.stringify((await replayLog(file, { until: seq })).report));
      expect(view.seq).toBe(seq);
      // Each list of the whole longer than 50: its last 50 entries, and how many were left out.
      for (const [key, list] of Object.entries(whole as Record<string, unknown>)) {
        if (!Array.isArray(list)) continue;
        if (list.length > 50) {
          cutSomewhere = true;
          expect(view.cut[key]).toBe(list.length - 50);
          expect(view.report[key]).toEqual(list.slice(-50));
        } else {
          expect(view.cut[key]).toBeUndefined();
          expect(view.report[key]).toEqual(list);
        }
      }
      expect(view.report.state).toBe(whole.state);
      expect(view.report.hostages.releasedTotal).toBe(whole.hostages.releasedTotal);
      if (seq === 1) {
        expect(view.changes).toBeNull();
        continue;
      }
      const before = JSON.parse(JSON.stringify((await replayLog(file, { until: seq - 1 })).report));
      const a = new Map(flat(before).map(([k, v]) => [JSON.stringify(k), v]));
      const b = new Map(flat(whole).map(([k, v]) => [JSON.stringify(k), v]));
      const changed: string[][] = [];
      for (const [id, v] of b) {
        const keys = JSON.parse(id) as string[];
        if (keys.length === 1 && (keys[0] === 'seq' || keys[0] === 'at')) continue;
        if (!a.has(id) || a.get(id) !== v) changed.push(keys);
      }
      for (const id of a.keys()) if (!b.has(id)) changed.push(JSON.parse(id));
      expect(view.changes.total).toBe(changed.length);
      expect(view.changes.shown.map(([path]: [string]) => path)).toEqual(
        changed.slice(0, 14).map((keys) => keys.join('.')),
      );
    }
    expect(cutSomewhere).toBe(true);
    expect((await rawGet(server.url, '/api/step/3001')).status).toBe(404);
    expect((await rawGet(server.url, '/api/step/01')).status).toBe(404);
  });

  it('pushes an appended event to open pages within a second', async () => {
    const lines = novemberLines();
    const file = writeLog(lines.slice(0, 10));
    const server = await serve(file);
    const stream = live(server.url);
    try {
      const first = await stream.next(1, 5_000);
      expect(first.steps).toHaveLength(10);
      const started = Date.now();
      appendFileSync(file, lines[10] ?? '');
      const update = await stream.next(2, 1_000);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(update.from).toBe(10);
      expect(update.steps.map((s) => s.seq)).toEqual([11]);
      expect(await server.session.report(11)).toEqual(
        (await replayLog(file, { until: 11 })).report,
      );
    } finally {
      stream.close();
    }
  });

  it('starts over when the file is rewritten, and reports a rejection that is appended', async () => {
    const lines = novemberLines();
    const file = writeLog(lines.slice(0, 6));
    const server = await serve(file);
    const stream = live(server.url);
    try {
      await stream.next(1, 5_000);
      writeFileSync(file, lines.slice(0, 3).join(''));
      const reset = await stream.next(2, 2_000);
      expect(reset.from).toBe(0);
      expect(reset.steps).toHaveLength(3);
      appendFileSync(
        file,
        `${JSON.stringify({ seq: 4, id: 'x', type: 'talks.resumed', at: '2023-11-22T07:00:00Z', data: { by: 'israel' } })}\n`,
      );
      const rejected = await stream.next(3, 2_000);
      expect(rejected.problem?.kind).toBe('rejected');
      expect(rejected.problem?.code).toBe('talks.notSuspended');
    } finally {
      stream.close();
    }
  });
});

// Issue 11, finding 9: the inspector for any --host, slow clients, odd key names, no paths.
describe('the inspector under hostile use', () => {
  it.each([['127.0.0.1'], ['127.1'], ['0.0.0.0'], ['localhost']])(
    'bound to %s, it refuses a request whose Host header names another site (DNS rebinding)',
    async (host) => {
      const warnings: string[] = [];
      const server = await startInspector({
        file: november,
        port: 0,
        host,
        assetsDir,
        warn: (m) => warnings.push(m),
      });
      open.push(server);
      const base = `http://127.0.0.1:${server.port}/`;
      for (const evil of [
        'evil.example',
        `evil.example:${server.port}`,
        'localhost.evil.example',
      ]) {
        expect((await rawGet(base, '/api/log', { Host: evil })).status, evil).toBe(403);
      }
      expect((await rawGet(base, '/api/log', { Host: `127.0.0.1:${server.port}` })).status).toBe(
        200,
      );
      expect((await rawGet(base, '/api/log', { Host: `localhost:${server.port}` })).status).toBe(
        200,
      );
      expect((await rawGet(base, '/api/log', { Host: `${host}:${server.port}` })).status).toBe(200);
      expect((await rawGet(base, '/api/log', { Host: '127.0.0.1:1' })).status).toBe(403);
      // Beyond loopback it says so, loudly; on loopback it says nothing.
      if (host === '0.0.0.0') {
        expect(warnings).toEqual([expect.stringMatching(/^warning: .*beyond this machine/)]);
      } else {
        expect(warnings).toEqual([]);
      }
    },
  );

  it('never shows where the log lies on disk', async () => {
    const server = await serve(november);
    const body = (await rawGet(server.url, '/api/log', { Host: `127.0.0.1:${server.port}` })).body;
    expect(JSON.parse(body).file).toBe('november-2023.jsonl');
    expect(body).not.toContain(join(november, '..'));
  });

  it('drops a live client that never reads instead of buffering for it without bound', async () => {
    const file = writeLog(novemberLines().slice(0, 1));
    const server = await startInspector({
      file,
      port: 0,
      assetsDir,
      pollMs: 50,
      maxBufferedBytes: 64 * 1024,
    });
    open.push(server);
    // A raw client: sends the request, then never reads a byte.
    const socket = connect(server.port, '127.0.0.1');
    socket.pause();
    socket.write(`GET /api/live HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    await until(() => server.liveCount === 1);
    const note = 'n'.repeat(200_000);
    let seq = 1;
    // Large updates, one at a time, until the server lets the client go (a count, not a clock).
    for (let round = 0; round < 400 && server.liveCount > 0; round++) {
      seq++;
      appendFileSync(
        file,
        `${JSON.stringify({ seq, id: `big${seq}`, type: 'aid.delivered', at: '2023-11-25T10:00:00Z', data: { region: 'south', trucks: 1, note } })}\n`,
      );
      const before = server.session.revision;
      await server.session.refresh();
      await until(() => server.session.revision > before);
    }
    expect(server.liveCount).toBe(0);
    socket.destroy();
  }, 600_000);

  it('keeps no report per step: reports are rebuilt from the checkpoint cache on demand, equal to replay', async () => {
    const lines = novemberLines();
    const file = writeLog(lines);
    const counted = vi.spyOn(Replayer.prototype, 'report');
    const session = new LogSession(file, {
      cache: { checkpointEvery: 4, checkpointShare: Number.POSITIVE_INFINITY, cacheMinBytes: 0 },
    });
    try {
      await session.refresh();
      // Opening a log computes no report for each of its steps.
      expect(counted.mock.calls.length).toBeLessThanOrEqual(1);
      for (const k of [0, 1, 3, 4, 5, 9, lines.length]) {
        expect(await session.report(k), `report ${k}`).toEqual(
          (await replayLog(file, { until: Math.max(k, 0) })).report,
        );
      }
      expect(await session.report(lines.length + 1)).toBeUndefined();
      // The reports came from checkpoints beside the log, not from events kept in memory.
      expect(readdirSync(`${file}.truce-cache`).filter((n) => /^\d+-/.test(n)).length).toBe(
        Math.floor(lines.length / 4),
      );
    } finally {
      counted.mockRestore();
      session.close();
    }
  });
  it('steps near one checkpoint resume from the state the session last read from the cache, and answer as replay does', async () => {
    const lines = novemberLines();
    const file = writeLog(lines);
    const session = new LogSession(file, {
      cache: { checkpointEvery: 4, checkpointShare: Number.POSITIVE_INFINITY, cacheMinBytes: 0 },
    });
    // Each state read from the cache and kept for the next step.
    const reads = vi.spyOn(CheckpointMemo.prototype, 'set');
    try {
      await session.refresh();
      // The whole log first: it builds the cache, and reads no state from it.
      await session.report(lines.length);
      reads.mockClear();
      const asked = async (k: number) =>
        expect(await session.report(k), `report ${k}`).toEqual(
          (await replayLog(file, { until: k })).report,
        );
      // 9, 10 and 11 resume from checkpoint 8: read once.
      for (const k of [9, 10, 11]) await asked(k);
      expect(reads).toHaveBeenCalledTimes(1);
      // 13 from checkpoint 12, then 8 from checkpoint 8 again: each read.
      await asked(13);
      expect(reads).toHaveBeenCalledTimes(2);
      await asked(8);
      expect(reads).toHaveBeenCalledTimes(3);
    } finally {
      reads.mockRestore();
      session.close();
    }
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * A generated log of `events` (its first `kept` written to a file of its own) and a session
 * that has read that file: the lines are the whole log's.
 */
async function longSession(events: number, seed: number, kept = events) {
  const file = join(mkdtempSync(join(tmpdir(), 'truce-long-')), 'long.jsonl');
  const lines = writeGenerated(file, events, seed).split('\n').filter(Boolean);
  if (kept < events) writeFileSync(file, `${lines.slice(0, kept).join('\n')}\n`);
  const session = new LogSession(file);
  await session.refresh();
  return { file, lines, session };
}

/** The lines with one digit of event 10's instant changed, their length kept. */
function withTenthRewritten(lines: readonly string[]): string[] {
  const edited = [...lines];
  edited[9] = (edited[9] as string).replace(/T(\d)/, (_, d) => `T${(Number(d) + 1) % 2}`);
  expect(edited[9]).not.toBe(lines[9]);
  return edited;
}
