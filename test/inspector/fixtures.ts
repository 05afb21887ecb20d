import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createActor, type StateValue } from 'xstate';
import { machineGraph } from '../../inspector/graph.js';
import type { StepView } from '../../inspector/protocol.js';
import type { LogSession } from '../../inspector/session.js';
import { dealMachine } from '../../machines/index.js';
import { truceBin } from '../cli/truce.js';

/** The repository root. */
export const root = join(import.meta.dirname, '..', '..');
/** The sourced November 2023 log. */
export const november = join(root, 'examples', 'november-2023.jsonl');
/** Where `npm run build` puts the page bundle. */
export const assetsDir = join(root, 'dist', 'inspector', 'assets');

/** The lines of the November 2023 log, each with its `\n`. */
export function novemberLines(): string[] {
  return readFileSync(november, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `${line}\n`);
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'truce-inspector-'));
}

/** Writes `lines` to a new log file and returns its path. */
export function writeLog(lines: string[], name = 'deal.jsonl'): string {
  const file = join(tempDir(), name);
  writeFileSync(file, lines.join(''));
  return file;
}

/** A running `truce inspect` process. */
export interface RunningInspector {
  url: string;
  stdout: () => string;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/** Starts the built `truce inspect` on a free port and waits for the URL it prints. */
export async function startCli(
  log: string,
  args: string[] = [],
  cwd = root,
): Promise<RunningInspector> {
  const child = spawn(process.execPath, [truceBin, 'inspect', log, '--port', '0', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${out} ${err}`)), 120_000);
    const check = () => {
      const match = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`truce inspect exited with ${code}: ${err}`));
    });
  });
  return {
    url,
    stdout: () => out,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/** A GET with the path sent exactly as given (no normalising of `..` or `%2e`). */
export function rawGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: 'GET', headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Paths that try to leave the served set: each must get 404. */
export const traversalPaths = [
  '/../package.json',
  '/assets/../package.json',
  '/assets/../../package.json',
  '/assets/%2e%2e/%2e%2e/package.json',
  '/assets/%2E%2E%2F%2E%2E%2Fpackage.json',
  '/assets/..%2f..%2fpackage.json',
  '/assets/..%5c..%5cpackage.json',
  '/%2e%2e/examples/november-2023.jsonl',
  '/examples/november-2023.jsonl',
  '//etc/passwd',
  '/etc/passwd',
  '/assets//etc/passwd',
  '/assets/%2fetc%2fpasswd',
  '/assets/C:%5cWindows%5cwin.ini',
  '/api/report/../../package.json',
  '/api/report/%2e%2e',
  '/package.json',
  '/dist/cli/main.js',
];

const PAYLOADS = [
  '<script>alert(__pwned=1)</script>',
  '<img src=x onerror=alert(__pwned=1)>',
  '<svg onload=alert(__pwned=1)>',
];

/** A string carrying all three payloads, tagged so each field's copy is unique. */
export function hostile(tag: string): string {
  return `${tag} ${PAYLOADS.join(' ')}`;
}

/**
 * A valid log with `<script>`, `<img onerror>` and `<svg onload>` in every string field that
 * the format leaves free: title, party names, proposal ids, categories, groups, regions,
 * reasons, descriptions, notes, sources and event ids (party ids are restricted by the
 * format to letters, digits, `_ . -`).
 */
export function injectionLog(): string[] {
  // Party ids are the one free string the format restricts (letters, digits, _ . -).
  const [a, b, m] = ['side-a', 'side-b', 'mediator'];
  const p = hostile('P');
  const cat = hostile('cat');
  const source = {
    name: hostile('source'),
    url: 'javascript:window.__pwned=1',
    confidence: 'reported',
    note: hostile('note'),
  };
  const events = [
    {
      type: 'negotiation.opened',
      data: {
        title: hostile('title'),
        parties: [
          { id: a, name: hostile('nameA'), role: 'principal' },
          { id: b, name: hostile('nameB'), role: 'principal' },
          { id: m, name: hostile('nameM'), role: 'mediator' },
        ],
        held: { [cat]: 10 },
      },
    },
    {
      type: 'proposal.sent',
      data: {
        proposalId: p,
        from: m,
        via: [m],
        to: [a, b],
        terms: {
          phases: [
            {
              days: 2,
              hostages: [{ category: cat, count: 2 }],
              exchange: [{ category: cat, prisonersPerHostage: 3 }],
            },
          ],
          permanentCeasefire: false,
          notes: hostile('notes'),
        },
      },
    },
    { type: 'proposal.rejected', data: { proposalId: p, by: a, reason: hostile('reason') } },
    {
      type: 'proposal.sent',
      data: {
        proposalId: `${p} 2`,
        from: m,
        terms: {
          phases: [
            {
              days: 2,
              hostages: [{ category: cat, count: 2 }],
              exchange: [{ category: cat, prisonersPerHostage: 3 }],
            },
          ],
          permanentCeasefire: true,
        },
      },
    },
    { type: 'phase.accepted', data: { proposalId: `${p} 2`, phase: 1, by: a } },
    { type: 'proposal.accepted', data: { proposalId: `${p} 2`, by: b } },
    { type: 'phase.started', data: { phase: 1 } },
    {
      type: 'release.completed',
      data: {
        phase: 1,
        hostages: [{ category: cat, count: 2 }],
        prisoners: [{ category: hostile('pcat'), count: 6 }],
        outsideDeal: [{ group: hostile('group'), count: 1, by: b }],
      },
    },
    { type: 'aid.delivered', data: { phase: 1, region: hostile('region'), trucks: 5 } },
    { type: 'violation.reported', data: { by: a, against: b, description: hostile('desc') } },
    { type: 'hostages.counted', data: { held: { [cat]: 7 } } },
    { type: 'hostilities.resumed', data: { by: b, reason: hostile('why') } },
  ];
  return events.map(
    (event, i) =>
      `${JSON.stringify({
        seq: i + 1,
        id: hostile(`id${i + 1}`),
        type: event.type,
        at: `2024-01-0${1 + Math.floor(i / 4)}T${String(10 + (i % 4)).padStart(2, '0')}:00:00Z`,
        data: event.data,
        source,
      })}\n`,
  );
}

/**
 * The steps (as the inspector's protocol shapes them) of a log of legal events (no BOM, no blank
 * line), each line parsed with `JSON.parse` and sent to an XState actor of the deal machine: the state path before and after, and the
 * ids of the transitions of its microsteps. Nothing of the session is used.
 */
export function actorSteps(lines: string[]): StepView[] {
  const { idOf } = machineGraph(dealMachine);
  let taken: string[] = [];
  const actor = createActor(dealMachine, {
    inspect: (inspection) => {
      if (inspection.type !== '@xstate.microstep') return;
      for (const t of inspection._transitions) taken.push(idOf.get(t) ?? '?');
    },
  }).start();
  const path = (value: StateValue): string =>
    typeof value === 'string'
      ? value
      : Object.entries(value)
          .map(([key, inner]) => (inner === undefined ? key : `${key}.${path(inner)}`))
          .join(',');
  const steps: StepView[] = [];
  for (const [i, text] of lines.entries()) {
    const parsed = JSON.parse(text);
    const before = path(actor.getSnapshot().value);
    taken = [];
    actor.send(parsed);
    const { seq, id, type, at, data, source } = parsed;
    steps.push({
      seq,
      line: i + 1,
      event:
        source === undefined ? { seq, id, type, at, data } : { seq, id, type, at, data, source },
      before,
      after: path(actor.getSnapshot().value),
      transitions: taken,
    });
  }
  actor.stop();
  return steps;
}

/** Expects each window `[start, end)` of `session`'s steps to be the oracle's, as JSON gives them. */
export async function expectWindows(
  session: LogSession,
  oracle: readonly StepView[],
  windows: ReadonlyArray<readonly [number, number]>,
): Promise<void> {
  for (const [start, end] of windows) {
    expect(
      JSON.parse(JSON.stringify(await session.steps(start, end))),
      `steps ${start}–${end}`,
    ).toEqual(oracle.slice(start, end));
  }
}
