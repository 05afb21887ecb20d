import type { ReplayReport } from '../../projections/report.js';
import type { LogView, MachineGraph, ProblemView, ReportView, StepView } from '../protocol.js';
import { type Chart, drawChart, transitionLabel } from './chart.js';
import { fill, h } from './dom.js';
import { EventList } from './eventList.js';
import { formatValue } from './format.js';
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
let steps: StepView[] = [];
/** The events listed, a step a row, then the problem's row if the log has one. */
const list = new EventList(
  ui.list,
  (row) => {
    const step = steps[row];
    return step ? logItem(step) : problemItem(problem as ProblemView);
  },
  (row) => {
    const step = steps[row];
    return step ? step.before !== step.after : true;
  },
);
let problem: ProblemView | null = null;
let revision = -1;
/** The step shown: the state after event `current` (0 only for an empty log). */
let current = 0;
let ticket = 0;
const reports = new Map<number, ReplayReport>();

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

async function reportAt(seq: number): Promise<ReplayReport> {
  const cached = reports.get(seq);
  if (cached) return cached;
  const view = await getJson<ReportView>(`/api/report/${seq}`);
  if (view.revision === revision) reports.set(seq, view.report);
  return view.report;
}

function lowest(): number {
  return steps.length ? 1 : 0;
}

/** Moves the view to the state after event k. */
async function go(k: number): Promise<void> {
  const target = Math.max(lowest(), Math.min(steps.length, Math.round(k)));
  current = target;
  const mine = ++ticket;
  markSelection();
  const [report, before] = await Promise.all([
    reportAt(target),
    target > 1 ? reportAt(target - 1) : Promise.resolve(undefined),
  ]);
  if (mine !== ticket) return;
  const step = steps[target - 1];
  chart?.show(report.state, step?.transitions ?? []);
  renderStatus(ui.status, report, steps.length);
  fill(ui.title, formatTitle(report));
  renderEvent(ui.event, step, takenText(step));
  renderChanges(ui.changes, before, report);
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
  ui.slider.max = String(steps.length);
  ui.slider.value = String(current);
  ui.slider.setAttribute('aria-valuetext', `event ${current} of ${steps.length}`);
  ui.buttons.first.disabled = ui.buttons.prev.disabled = current <= lowest();
  ui.buttons.next.disabled = ui.buttons.last.disabled = current >= steps.length;
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
      'aria-setsize': steps.length,
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
  const wasAtEnd = current >= steps.length;
  const shown = steps.length;
  const from = Math.min(view.from, shown);
  if (view.from < steps.length || view.revision !== revision) reports.clear();
  revision = view.revision;
  steps = steps.slice(0, from).concat(view.steps);
  problem = view.problem;
  fill(ui.file, view.file);
  // Events appended: the items listed stay; the problem's row (always last) and what follows
  // are built again. A log read again from its start is listed anew.
  ui.list.style.setProperty('--seq-digits', String(String(steps.length + 1).length));
  list.setRows(steps.length + (problem ? 1 : 0), from === shown && from > 0 ? from : 0);
  for (const item of ui.list.querySelectorAll('li[data-seq]')) {
    item.setAttribute('aria-setsize', String(steps.length));
  }
  renderProblem(ui.problem, problem);
  void go(wasAtEnd || current > steps.length ? steps.length : current);
}

function onKey(event: KeyboardEvent): void {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const target = event.target as HTMLElement | null;
  if (target?.tagName === 'INPUT' && target !== ui.slider) return;
  const moves: Record<string, () => number> = {
    Home: () => lowest(),
    End: () => steps.length,
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
  ui.buttons.last.addEventListener('click', () => void go(steps.length));
  connect();
}

main().catch((error: unknown) => {
  renderProblem(ui.problem, {
    kind: 'io',
    line: 0,
    message: `The inspector could not start: ${error instanceof Error ? error.message : String(error)}`,
  });
});
