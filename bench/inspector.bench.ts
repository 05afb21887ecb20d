import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { compare, printComparison, timeProcessRss } from './measure.js';

const root = join(import.meta.dirname, '..');
const truce = join(root, 'dist', 'cli', 'main.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Events of the generated log the page opens (`TRUCE_BENCH_INSPECTOR_EVENTS` to change). */
const EVENTS = Number(process.env.TRUCE_BENCH_INSPECTOR_EVENTS ?? 100_000);

/**
 * The inspector page in headless Chromium on a generated log of {@link EVENTS} events, against
 * what it must fetch to show its last step, fetched and parsed in Node in the same run (the log
 * view and the reports after the last two events): opening the page until it shows the last
 * step, and a jump by the slider to the middle of the log. One `truce inspect` serves every run;
 * each run is a new page. `TRUCE_BENCH_BEFORE=DIR` (another built checkout) adds its page's
 * opening to the same run. Skipped, with a line saying so, where Chromium is missing.
 *
 * First, without a browser: `truce inspect` until it prints its address, and its peak RSS then,
 * against `truce replay LOG --json --no-cache` of the same log (the read it must make at least).
 */
export default async function run(): Promise<void> {
  if (!existsSync(truce)) throw new Error(`${truce} is missing: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'truce-inspector-bench-'));
  const log = join(dir, 'generated.jsonl');
  writeFileSync(
    log,
    execFileSync(process.execPath, [truce, 'generate', '--events', String(EVENTS)], {
      maxBuffer: 1 << 30,
    }),
  );
  const before = process.env.TRUCE_BENCH_BEFORE;
  try {
    await serverOpening(log, before);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  if (!existsSync(CHROMIUM)) {
    console.log(`skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or CHROMIUM_PATH)`);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const server = await startInspect(truce, log);
  const other = before
    ? await startInspect(join(before, 'dist', 'cli', 'main.js'), log)
    : undefined;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const fetchJson = async (path: string) =>
      JSON.parse(await (await fetch(new URL(path, server.url))).text()) as unknown;
    const middle = Math.floor(EVENTS / 2);
    /** Until `page` shows the state after event `k`. */
    const shown = (page: Page, k: number) =>
      page.waitForFunction((n) => document.documentElement.dataset.shown === String(n), k, {
        timeout: 600_000,
      });
    /** A new page of `url` until it shows the last event. */
    const open = async (url: string) => {
      const page = await browser.newPage();
      const started = performance.now();
      await page.goto(url);
      await shown(page, EVENTS);
      const ms = performance.now() - started;
      await page.close();
      return { ms };
    };
    const result = await compare({
      bench: 'inspector',
      runs: 5,
      warmup: true,
      baseline: {
        label: `fetch and parse its log view and last two reports (${EVENTS} events)`,
        run: async () => {
          const started = performance.now();
          await fetchJson('/api/log');
          await Promise.all([
            fetchJson(`/api/report/${EVENTS}`),
            fetchJson(`/api/report/${EVENTS - 1}`),
          ]);
          return { ms: performance.now() - started };
        },
      },
      subjects: [
        {
          label: 'the page in Chromium, until it shows the last event',
          run: () => open(server.url),
        },
        ...(other
          ? [{ label: `the same, served by the build in ${before}`, run: () => open(other.url) }]
          : []),
        {
          label: `a jump by the slider to event ${middle}, until it is shown`,
          run: async () => {
            const page = await browser.newPage();
            await page.goto(server.url);
            await shown(page, EVENTS);
            const started = performance.now();
            await page.evaluate((k) => {
              const slider = document.getElementById('slider') as HTMLInputElement;
              slider.value = String(k);
              slider.dispatchEvent(new Event('input'));
            }, middle);
            await shown(page, middle);
            const ms = performance.now() - started;
            await page.close();
            return { ms };
          },
        },
      ],
    });
    printComparison(result, { figure: 'ms', unit: 'ms' });
  } finally {
    await browser.close();
    server.child.kill('SIGTERM');
    other?.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `truce inspect LOG` of this build (and of `before`'s) until it prints its address, with its
 * peak RSS then (Linux's `VmHWM`; none elsewhere), against a replay of the whole log.
 */
async function serverOpening(log: string, before: string | undefined): Promise<void> {
  const opening = async (bin: string) => {
    const started = performance.now();
    const { child } = await startInspect(bin, log);
    const ms = performance.now() - started;
    let rssMb: number | undefined;
    try {
      const hwm = /VmHWM:\s*(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) rssMb = Number(hwm[1]) / 1024;
    } catch {
      // No /proc: the time alone.
    }
    await stop(child);
    return rssMb === undefined ? { ms } : { ms, rssMb };
  };
  const result = await compare({
    bench: 'inspector',
    runs: 5,
    warmup: true,
    baseline: {
      label: `truce replay LOG --json --no-cache (${EVENTS} events)`,
      run: () => timeProcessRss([truce, 'replay', log, '--json', '--no-cache']),
    },
    subjects: [
      { label: 'truce inspect LOG, until it prints its address', run: () => opening(truce) },
      ...(before
        ? [
            {
              label: `the same, the build in ${before}`,
              run: () => opening(join(before, 'dist', 'cli', 'main.js')),
            },
          ]
        : []),
    ],
  });
  printComparison(result, { figure: 'ms', unit: 'ms', extra: { rssMb: 'MB peak RSS' } });
}

/** Stops a child and waits for it to exit. */
function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }
  });
}

/** `truce inspect LOG --port 0` of the build `bin`, once it prints its address. */
function startInspect(bin: string, log: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [bin, 'inspect', log, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const url = /http:\/\/\S+/.exec(out)?.[0];
      if (url) resolve({ url, child });
    });
    child.once('exit', (code) =>
      reject(new Error(`truce inspect exited (${code}) before its address`)),
    );
  });
}
