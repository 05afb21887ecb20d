import type { ReplayReport } from '../../projections/report.js';
import {
  type LogView,
  type MachineGraph,
  type ProblemView,
  STEP_WINDOW,
  type StepReportView,
  type StepsView,
  type StepView,
} from '../protocol.js';
import { type Chart, drawChart, transitionLabel } from './chart.js';
import { fill, h } from './dom.js';
import { EventList } from './eventList.js';
import { expandLists, formatValue } from './format.js';
import {
  renderChanges,
  renderEvent,
  renderProblem,
  renderProjections,
  renderStatus,
} from './panels.js';

const byId = (id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page lacks #${id}`);
  return el;
};

const ui = {
  file: byId('file'),
  title: byId('title'),
  live: byId('live'),
  chart: byId('chart'),
  list: byId('log') as HTMLOListElement,
  slider: byId('slider') as HTMLInputElement,
  status: byId('status'),
  event: byId('event'),
  changes: byId('changes'),
  projections: byId('projections'),
  problem: byId('problem'),
  buttons: {
    first: byId('first') as HTMLButtonElement,
    prev: byId('prev') as HTMLButtonElement,
    next: byId('next') as HTMLButtonElement,
    last: byId('last') as HTMLButtonElement,
  },
};

let graph: MachineGraph | undefined;
let chart: Chart | undefined;
/**
 * The log's steps as far as the page has them (index i: the step after event i + 1). The server
 * sends the last {@link STEP_WINDOW}; a hole is a step not fetched yet, asked for a window at a
 * time when it is listed or shown.
 */
const steps: Array<StepView | undefined> = [];
/** How many steps the log has. */
let count = 0;
/** Whether each step moves the statechart (`1`) or not (`0`): every row's height, known at once. */
let moves = '';
/** The windows of steps asked for and not yet come, by their first index. */
const windows = new Map<number, Promise<void>>();
/** The events listed, a step a row, then the problem's row if the log has one. */
const list = new EventList(
  ui.list,
  (row) => {
    const step = steps[row];
    if (step) return logItem(step);
    if (row < count) {
      void stepsAround(row);
      return pendingItem(row);
    }
    return problemItem(problem as ProblemView);
  },
  (row) => (row < count ? moves.charCodeAt(row) === 49 : true),
);
let problem: ProblemView | null = null;
let revision = -1;
/** The step shown: the state after event `current` (0 only for an empty log). */
let current = 0;
let ticket = 0;
/** What the page last showed of a few steps (the last {@link STEPS_KEPT}), oldest first. */
const shownSteps = new Map<number, Shown>();
const STEPS_KEPT = 32;

/** A step's report as the page shows it, its long lists put back at their indexes. */
interface Shown {
  report: ReplayReport;
  changes: StepReportView['changes'];
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Fetches the window of steps holding index `row`, unless the page has it or has asked for it. */
function stepsAround(row: number): Promise<void> {
  const start = row - (row % STEP_WINDOW);
  const asked = windows.get(start);
  if (asked) return asked;
  const fetched = getJson<StepsView>(`/api/steps/${start}`)
    .then((view) => {
      // Of another revision: a live update is on its way, or came; the rows are asked for again.
      if (view.revision !== revision) return;
      view.steps.forEach((step, i) => {
        if (start + i < count) steps[start + i] = step;
      });
      list.refresh(start, start + view.steps.length);
      markCurrent();
    })
    .catch(() => undefined)
    .finally(() => {
      if (windows.get(start) === fetched) windows.delete(start);
    });
  windows.set(start, fetched);
  return fetched;
}

/** The report after event `seq`, as the page shows it, and what changed since the one before. */
async function shownAt(seq: number): Promise<Shown> {
  const cached = shownSteps.get(seq);
  if (cached) return cached;
  const view = await getJson<StepReportView>(`/api/step/${seq}`);
  const shown = {
    report: expandLists(view.report, view.cut) as ReplayReport,
    changes: view.changes,
  };
  if (view.revision === revision) {
    shownSteps.set(seq, shown);
    if (shownSteps.size > STEPS_KEPT) shownSteps.delete(shownSteps.keys().next().value as number);
  }
  return shown;
}

function lowest(): number {
  return count ? 1 : 0;
}

/** Moves the view to the state after event k. */
async function go(k: number): Promise<void> {
  const target = Math.max(lowest(), Math.min(count, Math.round(k)));
  current = target;
  const mine = ++ticket;
  markSelection();
  const [{ report, changes }] = await Promise.all([
    shownAt(target),
    target > 0 && !steps[target - 1] ? stepsAround(target - 1) : undefined,
  ]);
  if (mine !== ticket) return;
  const step = steps[target - 1];
  chart?.show(report.state, step?.transitions ?? []);
  renderStatus(ui.status, report, count);
  fill(ui.title, formatTitle(report));
  renderEvent(ui.event, step, takenText(step));
  renderChanges(ui.changes, changes);
  renderProjections(ui.projections, report);
  document.documentElement.dataset.shown = String(target);
  document.documentElement.dataset.revision = String(revision);
}

function formatTitle(report: ReplayReport) {
  document.title = report.title ? `${report.title} — truce inspector` : 'truce inspector';
  return h('span', { 'data-field': 'title' }, formatValue(report.title));
}

function takenText(step: StepView | undefined): string {
  if (!step || !graph) return '';
  const labels = step.transitions
    .map((id) => graph?.transitions.find((t) => t.id === id))
    .filter((t) => t !== undefined)
    .map(transitionLabel);
  const move =
    step.before === step.after ? `stays in ${step.after}` : `${step.before} → ${step.after}`;
  return labels.length ? `${move}, by ${labels.join(' then ')}` : move;
}

function markSelection(): void {
  list.show(current - 1);
  markCurrent();
  ui.slider.min = String(lowest());
  ui.slider.max = String(count);
  ui.slider.value = String(current);
  ui.slider.setAttribute('aria-valuetext', `event ${current} of ${count}`);
  ui.buttons.first.disabled = ui.buttons.prev.disabled = current <= lowest();
  ui.buttons.next.disabled = ui.buttons.last.disabled = current >= count;
}

/** Marks the current step's item (the list holds only the items in view: a few dozen). */
function markCurrent(): void {
  const item = list.item(current - 1);
  for (const other of ui.list.querySelectorAll('li[aria-current]')) {
    if (other !== item) other.removeAttribute('aria-current');
  }
  item?.setAttribute('aria-current', 'step');
}

function logItem(step: StepView): HTMLLIElement {
  const item = h(
    'li',
    {
      'data-seq': step.seq,
      role: 'option',
      'aria-selected': 'false',
      // Only the items in view are in the list: where each stands in the whole.
      'aria-posinset': step.seq,
      'aria-setsize': count,
      'aria-current': step.seq === current ? 'step' : null,
      class: step.before === step.after ? '' : 'moves',
    },
    h('span', { class: 'seq' }, String(step.seq)),
    h('span', { class: 'when' }, shortAt(step.event.at)),
    h('code', { class: 'type' }, step.event.type),
    step.before === step.after
      ? null
      : h('span', { class: 'to', title: step.after }, `→ ${step.after}`),
  );
  item.addEventListener('click', () => void go(step.seq));
  return item;
}

/** English month abbreviations, as `toLocaleString('en', { month: 'short' })` gives them. */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `Nov 24 05:00` (UTC): the list is read by day and hour. The month from a table: a
 * `toLocaleString` an item cost a long log's list 5 s a 100,000 items.
 */
function shortAt(at: string): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ${date.toISOString().slice(11, 16)}`;
}

/** The item of a step not fetched yet: as tall as its own will be, its seq already shown. */
function pendingItem(row: number): HTMLLIElement {
  const tall = moves.charCodeAt(row) === 49;
  return h(
    'li',
    {
      'data-seq': row + 1,
      role: 'option',
      'aria-selected': 'false',
      'aria-posinset': row + 1,
      'aria-setsize': count,
      'aria-busy': 'true',
      class: tall ? 'moves pending' : 'pending',
    },
    h('span', { class: 'seq' }, String(row + 1)),
    h('span', { class: 'when' }, '…'),
    h('code', { class: 'type' }, ''),
    tall ? h('span', { class: 'to' }, '\u00a0') : null,
  );
}

function problemItem(p: ProblemView): HTMLLIElement {
  return h(
    'li',
    { class: 'rejected', 'data-line': p.line, 'aria-disabled': 'true' },
    h('span', { class: 'seq' }, p.event ? String(p.event.seq) : '✕'),
    h('span', { class: 'when' }, p.event ? shortAt(p.event.at) : `line ${p.line}`),
    h(
      'code',
      { class: 'type' },
      p.event ? p.event.type : p.kind === 'torn' ? 'incomplete line' : 'invalid line',
    ),
    h('span', { class: 'to' }, p.kind === 'rejected' ? 'rejected' : p.kind),
  );
}

function apply(view: LogView): void {
  const wasAtEnd = current >= count;
  const shown = count;
  const from = Math.min(view.from, shown);
  if (view.from < count || view.revision !== revision) shownSteps.clear();
  revision = view.revision;
  // The steps before `from` stand (those fetched, and the holes); the rest is this message's.
  steps.length = from;
  steps.length = view.count;
  view.steps.forEach((step, i) => {
    steps[view.start + i] = step;
  });
  moves = moves.slice(0, from) + view.moves;
  count = view.count;
  // Windows asked for before this revision answer for it no more: asked for again when listed.
  windows.clear();
  problem = view.problem;
  fill(ui.file, view.file);
  ui.list.style.setProperty('--seq-digits', String(String(count + 1).length));
  // Events appended: the items listed stay; the problem's row (always last) and what follows
  // are built again. A log read again from its start is listed anew.
  list.setRows(count + (problem ? 1 : 0), from === shown && from > 0 ? from : 0);
  for (const item of ui.list.querySelectorAll('li[data-seq]')) {
    item.setAttribute('aria-setsize', String(count));
  }
  renderProblem(ui.problem, problem);
  void go(wasAtEnd || current > count ? count : current);
}

function onKey(event: KeyboardEvent): void {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const target = event.target as HTMLElement | null;
  if (target?.tagName === 'INPUT' && target !== ui.slider) return;
  const moves: Record<string, () => number> = {
    Home: () => lowest(),
    End: () => count,
    ArrowLeft: () => current - 1,
    ArrowRight: () => current + 1,
  };
  const move = moves[event.key];
  if (!move) return;
  event.preventDefault();
  void go(move());
}

function connect(): void {
  const source = new EventSource('/api/live');
  source.onopen = () => {
    ui.live.textContent = 'live';
    ui.live.className = 'live on';
  };
  source.onmessage = (message) => apply(JSON.parse(message.data as string) as LogView);
  source.onerror = () => {
    ui.live.textContent = 'reconnecting…';
    ui.live.className = 'live off';
  };
}

async function main(): Promise<void> {
  graph = await getJson<MachineGraph>('/api/machine');
  chart = await drawChart(graph);
  ui.chart.replaceChildren(chart.svg);
  document.addEventListener('keydown', onKey);
  ui.slider.addEventListener('input', () => void go(Number(ui.slider.value)));
  ui.buttons.first.addEventListener('click', () => void go(lowest()));
  ui.buttons.prev.addEventListener('click', () => void go(current - 1));
  ui.buttons.next.addEventListener('click', () => void go(current + 1));
  ui.buttons.last.addEventListener('click', () => void go(count));
  connect();
}

main().catch((error: unknown) => {
  renderProblem(ui.problem, {
    kind: 'io',
    line: 0,
    message: `The inspector could not start: ${error instanceof Error ? error.message : String(error)}`,
  });
});
