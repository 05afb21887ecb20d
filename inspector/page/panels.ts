import type { ReplayReport } from '../../projections/report.js';
import { LIST_KEPT, type ProblemView, type StepReportView, type StepView } from '../protocol.js';
import { fill, h } from './dom.js';
import { formatValue, keyPath, splitKeyPath, valueAt } from './format.js';

/** An element showing the figure at a key path of the replay JSON, tagged for comparison. */
function field(report: ReplayReport, path: string, tag: 'span' | 'td' | 'dd' = 'span') {
  return h(
    tag,
    { 'data-field': path, class: 'figure' },
    formatValue(valueAt(report, splitKeyPath(path))),
  );
}

function row(report: ReplayReport, label: string, path: string, hint?: string) {
  return h(
    'tr',
    {},
    h('th', { scope: 'row' }, label),
    field(report, path, 'td'),
    hint ? h('td', { class: 'hint' }, hint) : h('td'),
  );
}

function section(title: string, ...children: Array<Node | null | false>) {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

/**
 * Rows a long table shows: its latest, as the readable report lists its long sections, and all
 * the server sends of a long list ({@link LIST_KEPT}). A deal of a million events has 40,000
 * flare-ups; laying out a table of them at every step took the page seconds.
 */
const TABLE_ROWS = LIST_KEPT;

/** The index of a table's first row shown, of `length` rows. */
function firstShown(length: number): number {
  return Math.max(0, length - TABLE_ROWS);
}

/** What a table leaves out, said under it; nothing when it shows every row. */
function leftOut(report: ReplayReport, count: number, what: string, place = 'earlier') {
  if (count <= 0) return null;
  return h(
    'p',
    { class: 'left-out', 'data-left-out': count },
    `… ${count} ${place} ${what} not listed (truce replay --until ${report.seq} --full lists every one)`,
  );
}

const STATE_WORDS: Record<string, string> = {
  unopened: 'nothing recorded yet',
  negotiating: 'talks under way, no phase agreed',
  'negotiating.awaitingProposal': 'talks under way, waiting for a proposal',
  'negotiating.proposalOnTable': 'a proposal is on the table',
  'negotiating.suspended': 'talks are suspended',
  agreed: 'a phase is agreed, not yet started',
  inPhase: 'a phase is in progress: pause in force',
  collapsed: 'fighting has resumed',
  concluded: 'concluded with a permanent ceasefire',
};

/** Where the deal stands at this step: state, phase, time. */
export function renderStatus(el: Element, report: ReplayReport, total: number): void {
  fill(
    el,
    h(
      'div',
      { class: 'status' },
      h('div', { class: 'pos' }, 'Event ', field(report, 'seq'), ` of ${total}`),
      h(
        'div',
        { class: 'state-line' },
        h('span', { class: 'label' }, 'State '),
        h('strong', {}, field(report, 'state')),
        h('span', { class: 'words' }, ` — ${STATE_WORDS[report.state] ?? ''}`),
      ),
      h(
        'div',
        { class: 'meta' },
        'Phase ',
        field(report, 'phase'),
        ' · ',
        field(report, 'at'),
        report.pause.day === null
          ? null
          : h('span', {}, ' · pause day ', field(report, 'pause.day')),
      ),
    ),
  );
}

/** The projections at this step: counts, obligations, terms, positions, sticking points. */
export function renderProjections(el: Element, report: ReplayReport): void {
  const hostages = h(
    'table',
    { class: 'figures' },
    row(report, 'Released under the deal', 'hostages.releasedUnderDeal'),
    row(report, '… alive', 'hostages.releasedAlive'),
    row(report, '… bodies returned', 'hostages.bodiesReturned'),
    row(report, 'Released outside the deal', 'hostages.releasedOutsideDeal'),
    row(report, 'Released in all', 'hostages.releasedTotal'),
    row(report, 'Held (last count)', 'hostages.held'),
    row(report, 'Still held', 'hostages.remaining'),
    report.hostages.stillHeld ? row(report, '… alive', 'hostages.stillHeld.alive') : null,
    report.hostages.stillHeld ? row(report, '… deceased', 'hostages.stillHeld.deceased') : null,
  );
  const byCategory = keyed(report, 'hostages.byCategory', 'Under the deal by category');
  const outside = keyed(report, 'hostages.outsideDealByGroup', 'Outside the deal by group');

  const balance = report.prisoners.released - report.prisoners.due;
  const prisoners = h(
    'table',
    { class: 'figures' },
    row(report, 'Released', 'prisoners.released'),
    row(report, 'Due by the terms', 'prisoners.due', 'ratios per hostage and fixed lists'),
    h(
      'tr',
      { class: balance === 0 ? 'even' : 'uneven' },
      h('th', { scope: 'row' }, 'Balance'),
      h(
        'td',
        { 'data-derived': 'prisoners.released-prisoners.due' },
        balance === 0 ? 'even' : balance < 0 ? `${-balance} behind` : `${balance} ahead`,
      ),
      h('td'),
    ),
  );
  const prisonerCategories = keyed(report, 'prisoners.byCategory', 'By category');

  const phases = report.hostages.byPhase.length
    ? h(
        'table',
        { class: 'grid' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              'Phase',
              'Days',
              'Ext.',
              'Hostages named',
              'released',
              'Prisoners due',
              'released',
            ].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          ...indexes(
            firstShown(report.hostages.byPhase.length),
            report.hostages.byPhase.length,
          ).map((i) =>
            h(
              'tr',
              {},
              ...[
                'phase',
                'days',
                'extensions',
                'hostagesNamed',
                'hostagesReleased',
                'prisonersDue',
                'prisonersReleased',
              ].map((key) => field(report, `hostages.byPhase.${i}.${key}`, 'td')),
            ),
          ),
        ),
      )
    : null;
  const phasesLeftOut = leftOut(report, firstShown(report.hostages.byPhase.length), 'phases');

  const pause = h(
    'table',
    { class: 'figures' },
    row(report, 'Pause days (with extensions)', 'pause.days'),
    row(report, 'Open-ended', 'pause.openEnded'),
    row(report, 'Extensions', 'pause.extensions'),
    row(report, 'Aid trucks', 'aid.trucks'),
    row(report, 'Fuel trucks', 'aid.fuelTrucks'),
    row(report, 'Violations reported', 'violations'),
    row(report, 'Remains returned by the other side', 'remains.returned'),
    row(report, '… due', 'remains.due'),
  );
  const violationsAgainst = keyed(report, 'violationsAgainst', 'Violations reported against');
  // Aid the terms owe per region each day (`aidByRegion`), owed at this step, beside what came.
  const aidOwed = report.aid.due.length
    ? grid(
        ['Phase', 'Region', 'Days owed', 'Trucks due', 'delivered', 'Fuel due', 'delivered'],
        indexes(firstShown(report.aid.due.length), report.aid.due.length).map((i) =>
          ['phase', 'region', 'days', 'trucksDue', 'trucks', 'fuelTrucksDue', 'fuelTrucks'].map(
            (key) => field(report, `aid.due.${i}.${key}`, 'td'),
          ),
        ),
      )
    : null;
  const aidLeftOut = leftOut(report, firstShown(report.aid.due.length), 'accounts of aid owed');

  fill(
    el,
    section('Hostages', hostages, byCategory, outside),
    section('Obligations and deadlines', renderObligations(report)),
    section('Obligations: prisoners', prisoners, prisonerCategories, phases, phasesLeftOut),
    section('Ceasefire: flare-ups', renderFlareUps(report)),
    section('Pause and aid', pause, aidOwed, aidLeftOut, violationsAgainst),
    section('Terms', renderTerms(report)),
    section('Positions and sticking points', renderPositions(report)),
  );
}

/** Every obligation of the terms with its status at this step, what is overdue marked. */
function renderObligations(report: ReplayReport) {
  if (report.obligations.length === 0) {
    return h('p', { class: 'none' }, 'No obligation with a deadline in the terms in force.');
  }
  return h(
    'div',
    {},
    h('p', {}, 'As of ', field(report, 'asOf')),
    grid(
      ['Party', 'Owes', 'Category', 'Count', 'Due by', 'Done', 'Status'],
      indexes(firstShown(report.obligations.length), report.obligations.length).map((i) =>
        ['party', 'what', 'category', 'count', 'due', 'fulfilled', 'status'].map((key) => {
          const cell = field(report, `obligations.${i}.${key}`, 'td');
          if (key === 'status') cell.classList.add(`status-${report.obligations[i]?.status}`);
          return cell;
        }),
      ),
    ),
    leftOut(report, firstShown(report.obligations.length), 'obligations'),
  );
}

/** The flare-ups inside the ceasefire and whether it is strained now. */
function renderFlareUps(report: ReplayReport) {
  const strained = h('p', {}, 'Strained now: ', field(report, 'ceasefire.strained'));
  if (report.flareUps.length === 0)
    return h('div', {}, strained, h('p', { class: 'none' }, 'No flare-up.'));
  return h(
    'div',
    {},
    strained,
    grid(
      ['Seq', 'When', 'By', 'Against', 'What', 'Killed', 'Restored'],
      indexes(firstShown(report.flareUps.length), report.flareUps.length).map((i) =>
        ['seq', 'at', 'by', 'against', 'description', 'killed', 'restoredAt'].map((key) =>
          field(report, `flareUps.${i}.${key}`, 'td'),
        ),
      ),
    ),
    leftOut(report, firstShown(report.flareUps.length), 'flare-ups'),
  );
}

function keyed(report: ReplayReport, path: string, title: string) {
  const value = valueAt(report, splitKeyPath(path));
  const keys = value && typeof value === 'object' ? Object.keys(value) : [];
  if (!keys.length) return null;
  return h(
    'details',
    { class: 'keyed', open: true },
    h('summary', {}, title),
    h(
      'table',
      { class: 'figures small' },
      ...keys.slice(0, TABLE_ROWS).map((k) => row(report, k, keyPath(...splitKeyPath(path), k))),
    ),
    leftOut(report, keys.length - TABLE_ROWS, 'entries', 'more'),
  );
}

function renderTerms(report: ReplayReport) {
  if (!report.terms) return h('p', { class: 'none' }, 'No terms agreed yet.');
  return h(
    'div',
    {},
    h(
      'p',
      {},
      'End-of-war clause (permanent ceasefire): ',
      field(report, 'terms.permanentCeasefire'),
    ),
    grid(
      ['Phase', 'Proposal', 'Days', 'Prisoners', 'Aid/day'],
      report.terms.phases.map((_, i) =>
        ['phase', 'proposalId', 'days', 'prisoners', 'aidTrucksPerDay'].map((key) =>
          field(report, `terms.phases.${i}.${key}`, 'td'),
        ),
      ),
    ),
  );
}

/** A table with a header row and one row per entry of `rows` (cells already built). */
function grid(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<HTMLElement>>) {
  return h(
    'table',
    { class: 'grid' },
    h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells))),
  );
}

function renderPositions(report: ReplayReport) {
  const parties = Object.keys(report.positions);
  const positions = parties.length
    ? grid(
        ['Party', 'Stance', 'Proposal', 'Ceasefire', 'Pause days'],
        parties.map((party) => [
          h('th', { scope: 'row' }, party),
          ...['stance', 'proposalId', 'permanentCeasefire', 'pauseDays'].map((key) =>
            field(report, keyPath('positions', party, key), 'td'),
          ),
        ]),
      )
    : h('p', { class: 'none' }, 'No positions recorded yet.');
  const points = report.stickingPoints.length
    ? h(
        'ul',
        { class: 'sticking' },
        ...report.stickingPoints.map((point, i) =>
          h(
            'li',
            {},
            field(report, `stickingPoints.${i}.term`),
            ': ',
            ...Object.keys(point.positions).flatMap((party, j) => [
              j ? ' vs ' : '',
              `${party} `,
              field(report, keyPath('stickingPoints', i, 'positions', party)),
            ]),
          ),
        ),
      )
    : h('p', { class: 'none' }, 'No sticking points: the principals\u2019 positions agree.');
  return h('div', {}, positions, h('h3', {}, 'Sticking points'), points);
}

/** What changed since the previous event, figure by figure, as the server found it. */
export function renderChanges(el: Element, changes: StepReportView['changes']): void {
  if (!changes) {
    fill(el, h('p', { class: 'none' }, 'The first event: everything above is new.'));
    return;
  }
  const { shown, total } = changes;
  if (total === 0) {
    fill(el, h('p', { class: 'none' }, 'No figure changed.'));
    return;
  }
  fill(
    el,
    h(
      'ul',
      { class: 'changes' },
      ...shown.map(([path, from, to]) =>
        h(
          'li',
          { 'data-diff': path },
          h('code', {}, path),
          ' ',
          h('span', { class: 'before' }, formatValue(from)),
          ' → ',
          h('span', { class: 'after' }, formatValue(to)),
        ),
      ),
      total > shown.length ? h('li', { class: 'more' }, `and ${total - shown.length} more`) : null,
    ),
  );
}

/** The event itself, as recorded (all untrusted: text only). */
export function renderEvent(el: Element, step: StepView | undefined, taken: string): void {
  if (!step) {
    fill(el, h('p', { class: 'none' }, 'No event yet.'));
    return;
  }
  const source = (step.event.source ?? {}) as Record<string, unknown>;
  const sourceText = ['name', 'confidence', 'url', 'note']
    .map((k) => (typeof source[k] === 'string' ? (source[k] as string) : ''))
    .filter(Boolean);
  fill(
    el,
    h(
      'div',
      { class: 'event-head' },
      h('code', { class: 'event-type' }, step.event.type),
      ' ',
      h('span', { class: 'event-id' }, step.event.id),
      ' · line ',
      String(step.line),
    ),
    h('p', { class: 'transition-text' }, taken),
    sourceText.length ? h('p', { class: 'source' }, 'Source: ', sourceText.join(' · ')) : null,
    h('pre', { class: 'data' }, JSON.stringify(step.event.data, null, 2)),
  );
}

/** Why the log stops early, in words. */
export function renderProblem(el: HTMLElement, problem: ProblemView | null): void {
  if (!problem) {
    el.hidden = true;
    fill(el);
    return;
  }
  el.hidden = false;
  const title =
    problem.kind === 'rejected'
      ? `Event rejected at line ${problem.line}`
      : problem.kind === 'torn'
        ? `The last line is incomplete (line ${problem.line})`
        : problem.kind === 'io'
          ? 'The log cannot be read'
          : `Invalid line ${problem.line}`;
  fill(
    el,
    h('strong', {}, title),
    problem.reason
      ? h(
          'p',
          { 'data-problem': 'reason' },
          `Rejected in state ${problem.state ?? '?'}: ${problem.reason}`,
        )
      : null,
    h('p', { 'data-problem': 'message' }, problem.message),
  );
}

/** The integers `from`, `from + 1`, … below `to`. */
function indexes(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
