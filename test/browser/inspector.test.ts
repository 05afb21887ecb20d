import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineGraph } from '../../inspector/index.js';
import { dealMachine } from '../../machines/index.js';
import type { ReplayReport } from '../../projections/index.js';
import { truceBin, writeGenerated } from '../cli/truce.js';
import {
  injectionLog,
  november,
  novemberLines,
  type RunningInspector,
  root,
  startCli,
  traversalPaths,
  writeLog,
} from '../inspector/fixtures.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);
if (!haveChromium && !inCi) {
  console.warn(
    `browser tests SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH); in CI they fail instead`,
  );
}
const artifacts = join(root, 'test-results', 'inspector');

/**
 * What these tests run must be there: the built `truce` (for `inspect`, `replay --json` and
 * `append`) and, in CI, Chromium. A missing piece fails the suite with one sentence; nothing
 * falls back to an in-process replay or a plain file write, which would test something else.
 */
function requireTools(): void {
  const page = join(root, 'dist', 'inspector', 'assets', 'inspector.js');
  for (const path of [truceBin, page]) {
    if (!existsSync(path)) {
      throw new Error(`the browser tests need the build: ${path} is missing (npm run build)`);
    }
  }
  const help = execFileSync(process.execPath, [truceBin, '--help'], { encoding: 'utf8' });
  for (const command of ['inspect', 'replay', 'append']) {
    if (!new RegExp(`^\\s+${command} `, 'm').test(help)) {
      throw new Error(`the browser tests need \`truce ${command}\`, which the built CLI lacks`);
    }
  }
  if (!haveChromium) {
    throw new Error(
      `the browser tests need Chromium at ${CHROMIUM}: CI must install it (.ci/run does), or set CHROMIUM_PATH`,
    );
  }
}

/** The report `truce replay --until k --json` prints. */
function replayAt(file: string, k: number): ReplayReport {
  const out = execFileSync(
    process.execPath,
    [truceBin, 'replay', file, '--until', String(k), '--json'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return JSON.parse(out) as ReplayReport;
}

/** Appends one line with `truce append --from -`, as another process would. */
function truceAppend(file: string, line: string): void {
  execFileSync(process.execPath, [truceBin, 'append', file, '--from', '-'], {
    input: line,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

/** The page's own rule for writing a figure (inspector/page/format.ts). */
function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  return JSON.stringify(value);
}

function valueAt(report: unknown, path: string): unknown {
  let value = report;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) {
      throw new Error(`the page shows ${path}, which the replay JSON does not have`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Key paths of the leaves that differ between two reports, `seq` and `at` aside. */
function changedPaths(before: unknown, after: unknown): string[] {
  const flat = (value: unknown, prefix: string, out: Map<string, unknown>) => {
    if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value))
        flat(child, prefix ? `${prefix}.${key}` : key, out);
    } else {
      out.set(prefix, value);
    }
    return out;
  };
  const a = flat(before, '', new Map());
  const b = flat(after, '', new Map());
  const changed: string[] = [];
  for (const [path, value] of b) {
    if (path !== 'seq' && path !== 'at' && (!a.has(path) || a.get(path) !== value))
      changed.push(path);
  }
  for (const path of a.keys()) if (!b.has(path)) changed.push(path);
  return changed;
}

async function shownFields(page: Page): Promise<Array<[string, string]>> {
  return page.$$eval('[data-field]', (els) =>
    els.map(
      (el) => [el.getAttribute('data-field') ?? '', el.textContent ?? ''] as [string, string],
    ),
  );
}

async function waitShown(page: Page, k: number, timeout = 30_000): Promise<void> {
  await page.waitForFunction((k) => document.documentElement.dataset.shown === String(k), k, {
    timeout,
  });
}

/** Presses keys to move from wherever the page is to event k, the way a user would. */
async function stepTo(page: Page, k: number): Promise<void> {
  await page.keyboard.press('Home');
  await waitShown(page, 1);
  for (let i = 1; i < k; i++) await page.keyboard.press('ArrowRight');
  await waitShown(page, k);
}

// Counted as a failed test (not only a failed hook) when CI lacks what the browser needs.
it.skipIf(!haveChromium && !inCi)('the browser tests have the build and Chromium they need', () => {
  requireTools();
});

describe.skipIf(!haveChromium && !inCi)('the inspector in Chromium', () => {
  let browser: BrowserContext;
  const running: RunningInspector[] = [];

  beforeAll(async () => {
    requireTools();
    mkdirSync(artifacts, { recursive: true });
    // A fresh profile each run: nothing cached, no state from another run.
    browser = await chromium.launchPersistentContext(
      mkdtempSync(join(tmpdir(), 'truce-chromium-')),
      {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1440, height: 900 },
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      },
    );
  });

  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await browser?.close();
  });

  async function inspect(file: string): Promise<RunningInspector> {
    const r = await startCli(file);
    running.push(r);
    return r;
  }

  async function openPage(url: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(url)) problems.push(`request off the server: ${request.url()}`);
    });
    await page.goto(url);
    await page.waitForSelector('html[data-shown]');
    return { page, problems };
  }

  it('draws one node per state, each with its dotted path, and lights the current one', async () => {
    const { url } = await inspect(november);
    const { page, problems } = await openPage(url);
    const { graph } = machineGraph(dealMachine);
    const drawn = await page.$$eval('svg [data-state]', (els) =>
      els.map((el) => el.getAttribute('data-state')),
    );
    expect(drawn.sort()).toEqual(graph.states.map((s) => s.path).sort());
    await waitShown(page, 22);
    expect(
      await page.$$eval('[aria-current="true"]', (els) =>
        els.map((e) => e.getAttribute('data-state')),
      ),
    ).toEqual(['collapsed']);
    expect(await page.textContent('[data-field="state"]')).toBe('collapsed');
    const edgeEvents = await page.$$eval('svg [data-event]', (els) =>
      els.map((e) => e.getAttribute('data-event')),
    );
    for (const t of graph.transitions) expect(edgeEvents).toContain(t.event);
    await stepTo(page, 2);
    expect(
      await page.$$eval('[aria-current="true"]', (els) =>
        els.map((e) => e.getAttribute('data-state')),
      ),
    ).toEqual(['negotiating', 'negotiating.proposalOnTable']);
    const taken = await page.$$eval('svg .taken', (els) =>
      els.map((e) => e.getAttribute('data-event')),
    );
    expect(taken.sort()).toEqual(['always', 'proposal.sent']);
    await page.screenshot({ path: join(artifacts, 'statechart-step-2.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  // Up to 22 runs of the CLI and of the page: a wide bound, only to catch a hang on a busy machine.
  it('shows at every step exactly the figures of truce replay --until k --json, and what changed', {
    timeout: 10 * 60_000,
  }, async () => {
    const { url } = await inspect(november);
    const { page, problems } = await openPage(url);
    await page.keyboard.press('Home');
    let previous: ReplayReport | undefined;
    for (let k = 1; k <= 22; k++) {
      if (k > 1) await page.keyboard.press('ArrowRight');
      await waitShown(page, k);
      const expected = replayAt(november, k);
      const fields = await shownFields(page);
      expect(fields.length).toBeGreaterThan(15);
      const paths = new Set(fields.map(([path]) => path));
      for (const path of [
        'seq',
        'state',
        'phase',
        'at',
        'hostages.releasedTotal',
        'prisoners.due',
        'prisoners.released',
        'pause.days',
      ]) {
        expect(paths).toContain(path);
      }
      for (const [path, text] of fields) {
        expect({ k, path, text }).toEqual({ k, path, text: formatValue(valueAt(expected, path)) });
      }
      const active = await page.$$eval('[aria-current="true"]', (els) =>
        els.map((e) => e.getAttribute('data-state')),
      );
      expect(active.at(-1)).toBe(expected.state);
      if (previous) {
        const changed = changedPaths(previous, expected);
        const listed = await page.$$eval('[data-diff]', (els) =>
          els.map((e) => e.getAttribute('data-diff')),
        );
        expect(listed).toEqual(changed.slice(0, 14));
      }
      previous = expected;
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the aid a phase owes each region beside what it got, as truce replay --json gives it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truce-aid-'));
    const file = join(dir, 'aid.jsonl');
    const opened = {
      title: 'Aid by region',
      parties: [
        { id: 'north', name: 'North', role: 'principal' },
        { id: 'south', name: 'South', role: 'principal' },
      ],
    };
    const terms = {
      phases: [
        {
          days: 4,
          hostages: [{ category: 'women', count: 2 }],
          aidByRegion: [
            { region: 'north', trucksPerDay: 100 },
            { region: 'south', trucksPerDay: 200, fuelTrucksPerDay: 4 },
            { region: 'centre' },
          ],
        },
      ],
      permanentCeasefire: false,
    };
    const events: Array<[string, unknown]> = [
      ['negotiation.opened', opened],
      ['proposal.sent', { proposalId: 'p', from: 'north', terms }],
      ['proposal.accepted', { proposalId: 'p', by: 'north' }],
      ['proposal.accepted', { proposalId: 'p', by: 'south' }],
      ['phase.started', { phase: 1 }],
      ['aid.delivered', { region: 'north', trucks: 150 }],
      ['aid.delivered', { region: 'south', trucks: 380, fuelTrucks: 6 }],
    ];
    writeFileSync(
      file,
      events
        .map(([type, data], i) =>
          JSON.stringify({
            seq: i + 1,
            id: `a${i + 1}`,
            type,
            at: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(),
            data,
          }),
        )
        .join('\n')
        .concat('\n'),
    );
    const { url } = await inspect(file);
    const { page, problems } = await openPage(url);
    await page.keyboard.press('End');
    await waitShown(page, 7);
    const expected = replayAt(file, 7);
    expect(expected.aid.due.map((d) => [d.region, d.days, d.trucksDue, d.trucks])).toEqual([
      ['north', 3, 300, 150],
      ['south', 3, 600, 380],
      ['centre', 3, null, 0],
    ]);
    const fields = await shownFields(page);
    const aid = fields.filter(([path]) => path.startsWith('aid.due.'));
    expect(aid).toHaveLength(3 * 7);
    for (const [path, text] of aid) {
      expect({ path, text }).toEqual({ path, text: formatValue(valueAt(expected, path)) });
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('moves with End, ArrowLeft, the buttons and a click on an event', async () => {
    const { url } = await inspect(november);
    const { page } = await openPage(url);
    await page.keyboard.press('End');
    await waitShown(page, 22);
    await page.keyboard.press('ArrowLeft');
    await waitShown(page, 21);
    await page.click('#first');
    await waitShown(page, 1);
    await page.click('#next');
    await waitShown(page, 2);
    await page.click('li[data-seq="9"]');
    await waitShown(page, 9);
    expect(await page.textContent('[data-field="seq"]')).toBe('9');
    expect(await page.getAttribute('li[data-seq="9"]', 'aria-current')).toBe('step');
    expect(await page.textContent('#changes')).toMatch(/violations/);
    await page.close();
  });

  it('lists each event by month, day and time in UTC, as the English calendar names them', async () => {
    const at = (month: number) => new Date(Date.UTC(2024, month, 15, 13, 5)).toISOString();
    const events = [
      {
        seq: 1,
        id: 'open',
        type: 'negotiation.opened',
        at: '2023-12-31T23:30:00Z',
        data: {
          title: 'A year of aid',
          parties: [
            { id: 'north', name: 'North', role: 'principal' },
            { id: 'south', name: 'South', role: 'principal' },
          ],
        },
      },
      ...Array.from({ length: 12 }, (_, month) => ({
        seq: month + 2,
        id: `aid-${month}`,
        type: 'aid.delivered',
        at: at(month),
        data: { region: 'south', trucks: 10 },
      })),
    ];
    const { url } = await inspect(writeLog(events.map((e) => `${JSON.stringify(e)}\n`)));
    const { page } = await openPage(url);
    await waitShown(page, 13);
    // What Intl's English calendar says for each instant, in UTC (the page uses a table).
    const expected = events.map((e) => {
      const date = new Date(e.at);
      const month = date.toLocaleString('en', { month: 'short', timeZone: 'UTC' });
      return `${month} ${date.getUTCDate()} ${date.toISOString().slice(11, 16)}`;
    });
    expect(
      await page.$$eval('#log li[data-seq] .when', (els) => els.map((e) => e.textContent)),
    ).toEqual(expected);
    await page.close();
  });

  // The page polls the log about once a second; on a busy machine (two cores at load 20) the new
  // event has taken more than 30 s to show, so the bound is only there to catch a page that
  // never updates: two minutes, well inside the test's five.
  it('shows an event appended with truce append, without a reload, and follows it from the last event', {
    timeout: 5 * 60_000,
  }, async () => {
    const lines = novemberLines();
    const file = writeLog(lines.slice(0, 12));
    const { url } = await inspect(file);
    const { page, problems } = await openPage(url);
    await waitShown(page, 12);
    // An item already listed is kept as it is when events are appended, not built again.
    await page.evaluate(() =>
      document.querySelector('#log li[data-seq="1"]')?.setAttribute('data-kept', 'yes'),
    );
    for (const k of [13, 14]) {
      truceAppend(file, lines[k - 1] ?? '');
      await waitShown(page, k, 120_000);
      expect(await page.textContent('[data-field="seq"]')).toBe(String(k));
      expect(await page.locator('#log li').count()).toBe(k);
      expect(await page.locator('#log li[data-kept="yes"]').count()).toBe(1);
    }
    // Away from the end, the view stays put while the log grows.
    await page.keyboard.press('ArrowLeft');
    await waitShown(page, 13);
    truceAppend(file, lines[14] ?? '');
    await page.waitForSelector('li[data-seq="15"]', { timeout: 120_000 });
    expect(await page.textContent('[data-field="seq"]')).toBe('13');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lists a long log by the items in view only, each at its place, and steps through it', {
    timeout: 5 * 60_000,
  }, async () => {
    const events = 3000;
    const file = join(mkdtempSync(join(tmpdir(), 'truce-long-')), 'long.jsonl');
    const lines = writeGenerated(file, events, 11);
    const { url } = await inspect(file);
    const { page, problems } = await openPage(url);
    await waitShown(page, events, 120_000);
    /** The items in the list: their seqs in order, and where each stands against the list. */
    const listed = () =>
      page.$$eval('#log li[data-seq]', (items) => {
        const box = (document.getElementById('log') as HTMLElement).getBoundingClientRect();
        return items.map((item) => {
          const r = item.getBoundingClientRect();
          const seq = item.querySelector('.seq') as HTMLElement;
          return {
            seq: Number(item.getAttribute('data-seq')),
            current: item.getAttribute('aria-current') === 'step',
            inView: r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5,
            seqFits: seq.scrollWidth <= seq.clientWidth,
            position: Number(item.getAttribute('aria-posinset')),
            size: Number(item.getAttribute('aria-setsize')),
          };
        });
      });
    const consecutive = (seqs: number[]) =>
      seqs.every((seq, i) => i === 0 || seq === (seqs[i - 1] as number) + 1);
    const check = async (k: number) => {
      // What changed the list's size (the page around it) is told to it before the next frame.
      await page.evaluate(
        () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))),
      );
      const items = await listed();
      const seqs = items.map((item) => item.seq);
      // A few dozen items, not thousands, in the order of the log and with no gap.
      expect(items.length).toBeGreaterThan(5);
      expect(items.length).toBeLessThan(200);
      expect(consecutive(seqs)).toBe(true);
      expect(items.filter((item) => item.current).map((item) => item.seq)).toEqual([k]);
      expect(items.find((item) => item.seq === k)?.inView).toBe(true);
      for (const item of items) {
        expect(item).toMatchObject({ seqFits: true, position: item.seq, size: events });
      }
    };
    await check(events);
    // A long table shows its latest 50 rows, each with its own index, and says what it leaves out.
    const flareUps = replayAt(file, events).flareUps.length;
    expect(flareUps).toBeGreaterThan(50);
    const seqCells = await page.$$eval('[data-field^="flareUps."][data-field$=".seq"]', (cells) =>
      cells.map((cell) => cell.getAttribute('data-field')),
    );
    expect(seqCells).toEqual(
      Array.from({ length: 50 }, (_, i) => `flareUps.${flareUps - 50 + i}.seq`),
    );
    const note = await page.textContent('section:has(> h2:text("flare-ups")) .left-out');
    expect(note).toBe(
      `… ${flareUps - 50} earlier flare-ups not listed (truce replay --until ${events} --full lists every one)`,
    );
    // Scrolled by hand to events the page was not sent (it has the last 1,000 of 3,000), the
    // list shows them as the log has them, and a click on one goes there.
    const types = lines
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).type as string);
    const middle = await page.evaluate(() => {
      const list = document.getElementById('log') as HTMLElement;
      list.scrollTop = list.scrollHeight * 0.45;
      return list.scrollTop;
    });
    expect(middle).toBeGreaterThan(0);
    await page.waitForFunction(
      () => {
        const items = Array.from(document.querySelectorAll('#log li[data-seq]'));
        const seqs = items.map((item) => Number(item.getAttribute('data-seq')));
        return (
          seqs.length > 0 &&
          Math.max(...seqs) < 2000 &&
          Math.min(...seqs) > 1000 &&
          items.every((item) => !item.classList.contains('pending'))
        );
      },
      null,
      { timeout: 120_000 },
    );
    const shownTypes = await page.$$eval('#log li[data-seq]', (items) =>
      items.map((item) => [
        Number(item.getAttribute('data-seq')),
        item.querySelector('.type')?.textContent,
      ]),
    );
    for (const [seq, type] of shownTypes) expect(type).toBe(types[(seq as number) - 1]);
    const around = (await listed()).filter((item) => item.inView).map((item) => item.seq);
    expect(around.length).toBeGreaterThan(5);
    expect(consecutive(around)).toBe(true);
    const target = around[Math.floor(around.length / 2)] as number;
    await page.click(`li[data-seq="${target}"]`);
    await waitShown(page, target, 120_000);
    expect(await page.textContent('[data-field="seq"]')).toBe(String(target));
    expect(await page.textContent('#event .event-type')).toBe(types[target - 1]);
    await check(target);
    await page.keyboard.press('Home');
    await waitShown(page, 1, 120_000);
    await check(1);
    // The slider jumps far: the list follows it.
    await page.evaluate(() => {
      const slider = document.getElementById('slider') as HTMLInputElement;
      slider.value = '1777';
      slider.dispatchEvent(new Event('input'));
    });
    await waitShown(page, 1777, 120_000);
    await check(1777);
    await page.keyboard.press('ArrowLeft');
    await waitShown(page, 1776, 120_000);
    await check(1776);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the events up to a rejected one and the rejection with its reason', async () => {
    const lines = novemberLines().slice(0, 4);
    lines.push(
      `${JSON.stringify({ seq: 5, id: 'early', type: 'release.completed', at: '2023-11-23T00:00:00Z', data: { phase: 1 } })}\n`,
    );
    const { url } = await inspect(writeLog(lines));
    const { page } = await openPage(url);
    await waitShown(page, 4);
    expect(await page.locator('#log li[data-seq]').count()).toBe(4);
    expect(await page.textContent('#log li.rejected')).toContain('release.completed');
    const problem = await page.textContent('#problem');
    expect(problem).toContain('Event rejected at line 5');
    expect(problem).toContain('rejected in state agreed');
    expect(problem).toMatch(/needs a phase in progress/);
    await page.screenshot({ path: join(artifacts, 'rejected.png') });
    await page.close();
  });

  it('keeps script in every string field of a log inert', async () => {
    const lines = injectionLog();
    const { url } = await inspect(writeLog(lines));
    const { page, problems } = await openPage(url);
    await waitShown(page, lines.length);
    for (let k = 1; k <= lines.length; k++) {
      await stepTo(page, k);
    }
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(problems).toEqual([]);
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('body img, body iframe, body object').count()).toBe(0);
    expect(await page.locator('svg svg').count()).toBe(0);
    expect(await page.evaluate(() => document.querySelectorAll('[onerror],[onload]').length)).toBe(
      0,
    );
    // The hostile text is shown, as text.
    expect(await page.textContent('[data-field="title"]')).toContain(
      '<script>alert(__pwned=1)</script>',
    );
    expect(await page.textContent('#event')).toContain('<img src=x onerror=alert(__pwned=1)>');
    await page.screenshot({ path: join(artifacts, 'injection.png') });
    await page.close();
  });

  it('answers 404 to path traversal from the browser too', async () => {
    const { url } = await inspect(november);
    const page = await browser.newPage();
    for (const path of traversalPaths.filter((p) => !p.startsWith('//'))) {
      const response = await page.request.get(`${url}${path.slice(1)}`);
      expect({ path, status: response.status() }).toEqual({ path, status: 404 });
    }
    await page.close();
  });

  it('saves a screenshot of the inspector', async () => {
    // Relative, as a user would type it: the header shows the path given.
    const { url } = await inspect('examples/november-2023.jsonl');
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.goto(url);
    await page.waitForSelector('html[data-shown]');
    // The first phase completes: full counts, and the transition taken lit on the chart.
    await page.click('li[data-seq="21"]');
    await waitShown(page, 21);
    const file = join(artifacts, 'inspector.png');
    await page.screenshot({ path: file });
    expect(existsSync(file)).toBe(true);
    if (process.env.UPDATE_DOCS_SCREENSHOT) {
      await page.screenshot({ path: join(root, 'docs', 'inspector.png') });
    }
    await page.close();
  });
});
