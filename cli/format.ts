import type { ReplayReport, TimelineEntry } from '../projections/index.js';
import { escapeLines, escapeText } from './escape.js';

function row(label: string, value: string): string {
  return `  ${label.padEnd(28)}${value}`;
}

function entries(record: Record<string, number>): string {
  const parts = Object.entries(record).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : '';
}

/**
 * An instant as the reports print it: `2023-11-24 15:02Z` for `2023-11-24T15:02:00.000Z` (the
 * first `T` a space; zero seconds, with or without a fraction of zeros, left out before the
 * `Z`). By hand, not by two regular expressions: a long deal's report prints 80,000 of them.
 *
 * @example
 * when('2023-11-24T15:02:00Z'); // '2023-11-24 15:02Z'
 */
export function when(at: string | null): string {
  if (at === null) return '';
  const t = at.indexOf('T');
  const text = t < 0 ? at : `${at.slice(0, t)} ${at.slice(t + 1)}`;
  let end = text.length - 1;
  if (end < 3 || text.charCodeAt(end) !== 0x5a /* Z */) return text;
  // An optional fraction of zeros (at least one) before the Z, then `:00` before that.
  let zeros = end;
  while (zeros > 0 && text.charCodeAt(zeros - 1) === 0x30) zeros--;
  if (zeros < end && text.charCodeAt(zeros - 1) === 0x2e /* . */) end = zeros - 1;
  return end >= 3 && text.startsWith(':00', end - 3) ? `${text.slice(0, end - 3)}Z` : text;
}

/** Names a party by its display name where the report knows it. */
function partyName(id: string, names: Record<string, string>): string {
  return names[id] ?? id;
}

/**
 * Entries the readable report lists of each long section (flare-ups, aid owed, proposals, met
 * obligations): the latest ones, after a line saying how many earlier ones it leaves out. A
 * deal as the sources report it lists a handful of each; a generated deal of a million events
 * lists 40,000 flare-ups and 10,000 proposals, 6.5 MB that no one reads on a terminal and that
 * took longer to print than to load. `replay --full` lists every one; `--json` always does.
 */
export const READABLE_LIST_LIMIT = 20;

/** Options of {@link formatReportPieces}. */
export interface ReadableReportOptions {
  /** Characters a piece holds at least before it is handed out (64 KiB by default). */
  pieceSize?: number;
  /**
   * Entries listed of each long section ({@link READABLE_LIST_LIMIT} by default;
   * `Number.POSITIVE_INFINITY` for all). Every overdue and open obligation is listed whatever
   * the limit: they are what is owed.
   */
  listLimit?: number;
}

/**
 * The readable standing of a deal (state, counts, who owes what, terms and sticking points) in
 * pieces of whole lines, each about `pieceSize` characters, so that the report of a long deal
 * is written without one string of all of it. Each long section lists its latest
 * `listLimit` entries ({@link READABLE_LIST_LIMIT}). Every line is escaped on its own
 * ({@link escapeText}): a line feed in a log's text (a flare-up's description, a title, a
 * name) is printed `\n`, so no text can add a line of its own to the report (a forged
 * "OVERDUE: …" under "Who owes what").
 *
 * @example
 * for (const piece of formatReportPieces(report, names)) process.stdout.write(piece);
 */
export function* formatReportPieces(
  report: ReplayReport,
  names: Record<string, string> = {},
  { pieceSize = 1 << 16, listLimit = READABLE_LIST_LIMIT }: ReadableReportOptions = {},
): Generator<string> {
  let piece = '';
  for (const line of reportLines(report, names, listLimit)) {
    piece += `${escapeText(line)}\n`;
    if (piece.length >= pieceSize) {
      yield piece;
      piece = '';
    }
  }
  if (piece.length > 0) yield piece;
}

/**
 * The positions of the last `limit` of `count` entries, after the line that says how many
 * earlier `what` are left out (none when all fit).
 */
function* latest(count: number, limit: number, what: string): Generator<string, number> {
  const from = Math.max(0, count - limit);
  if (from > 0) yield `  … ${from} earlier ${what} not listed (replay --full lists every one)`;
  return from;
}

/** The lines of {@link formatReportPieces}, as the log's text gives them (not yet escaped). */
function* reportLines(
  report: ReplayReport,
  names: Record<string, string>,
  limit: number,
): Generator<string> {
  const h = report.hostages;
  const p = report.prisoners;
  if (report.title) {
    yield report.title;
    yield '';
  }
  yield row(
    'State',
    report.at === null
      ? `${report.state}  (the log holds no event yet)`
      : `${report.state}  (after seq ${report.seq}, ${when(report.at)})`,
  );
  const day = report.pause.day !== null ? `, now on day ${report.pause.day}` : '';
  const pause = report.pause.openEnded
    ? `, open-ended ceasefire (no end date)${day}`
    : report.pause.days !== null && report.pause.days > 0
      ? `, pause of ${report.pause.days} days with ${report.pause.extensions} extension(s)${day}`
      : '';
  yield row('Phase', `${report.phase === 0 ? 'none started' : report.phase}${pause}`);
  if (report.flareUps.length > 0) {
    yield row(
      'Ceasefire',
      report.ceasefire.strained
        ? `strained: a flare-up since ${when(report.flareUps[report.flareUps.length - 1]?.at ?? null)}, not restored`
        : `holding after ${report.flareUps.length} flare-up(s), each restored`,
    );
  }
  yield '';
  yield 'Hostages';
  yield row(
    'released under the deal',
    `${h.releasedUnderDeal}  (alive ${h.releasedAlive}, bodies ${h.bodiesReturned})`,
  );
  const groups = entries(h.outsideDealByGroup);
  yield row(
    'released outside the deal',
    `${h.releasedOutsideDeal}${groups ? `  (as released: ${groups}; recounts move some under the deal)` : ''}`,
  );
  yield row('released in total', String(h.releasedTotal));
  if (h.held !== null) {
    const split = h.stillHeld
      ? `  (alive ${h.stillHeld.alive}, deceased ${h.stillHeld.deceased})`
      : '';
    yield row('held (last count)', `${h.held}, still held ${h.remaining}${split}`);
  }
  const byCategory = entries(h.byCategory);
  if (byCategory) yield row('under the deal by category', byCategory);
  yield '';
  yield 'Prisoners';
  yield row('released', `${p.released}  (${entries(p.byCategory) || 'none'})`);
  yield row('due by the terms', `${p.due}  (ratios per hostage and fixed lists)`);
  if (report.remains.returned > 0 || report.remains.due > 0) {
    yield '';
    yield 'Remains returned by the other side';
    yield row('returned', `${report.remains.returned} of ${report.remains.due} due`);
  }
  yield '';
  yield 'Who owes what';
  yield* deadlines(report, names, limit);
  yield* obligations(report);
  if (report.flareUps.length > 0 || report.violations > 0) {
    yield '';
    yield 'Flare-ups and violations';
    // Without a regular expression or an array per flare-up: a long deal has 40,000 of them.
    const flareUps = report.flareUps;
    for (let i = yield* latest(flareUps.length, limit, 'flare-ups'); i < flareUps.length; i++) {
      const f = flareUps[i] as ReplayReport['flareUps'][number];
      const killed = f.killed !== null ? `${f.killed} killed` : '';
      const wounded = f.wounded !== null ? `${f.wounded} wounded` : '';
      const casualties = killed && wounded ? `${killed}, ${wounded}` : killed || wounded;
      const description = f.description.endsWith('.') ? f.description.slice(0, -1) : f.description;
      yield row(
        `flare-up, seq ${f.seq}`,
        `${when(f.at)}, ${partyName(f.by, names)}${f.against ? ` against ${partyName(f.against, names)}` : ''}: ${description}${casualties ? ` (${casualties})` : ''}; ${f.restoredAt ? `restored ${when(f.restoredAt)}` : 'not restored'}`,
      );
    }
    const byParty = Object.entries(report.violationsAgainst)
      .map(([party, n]) => `${partyName(party, names)} ${n}`)
      .join(', ');
    if (byParty) yield row('violations reported against', byParty);
  }
  if (report.aid.trucks > 0 || report.aid.fuelTrucks > 0 || report.aid.due.length > 0) {
    yield '';
    yield 'Aid';
    yield row('trucks delivered', `${report.aid.trucks} (fuel ${report.aid.fuelTrucks})`);
    for (const [region, a] of Object.entries(report.aid.byRegion)) {
      yield row(`  ${region}`, `${a.trucks} (fuel ${a.fuelTrucks})`);
    }
    const due = report.aid.due;
    for (let i = yield* latest(due.length, limit, 'aid accounts'); i < due.length; i++) {
      const d = due[i] as ReplayReport['aid']['due'][number];
      yield row(`phase ${d.phase}, ${d.region}`, aidOwed(d));
    }
  }
  yield '';
  yield 'Terms in force';
  if (report.terms === null) yield '  none agreed';
  else {
    for (const t of report.terms.phases) {
      const hostages = t.hostages.map((x) => `${x.count ?? 'all'} ${x.category}`).join(', ');
      const ratio = (t.exchange ?? [])
        .map((e) => `${e.prisonersPerHostage} prisoners per hostage (${e.category})`)
        .join(', ');
      const lists = t.prisonerTotals?.length
        ? `; prisoners ${t.prisonerTotals.reduce((a, x) => a + x.count, 0)} by fixed lists (${t.prisonerTotals.map((x) => `${x.category} ${x.count}`).join(', ')})`
        : '';
      const remains =
        t.remainsPerDeceasedHostage !== undefined
          ? `; remains of ${t.remainsPerDeceasedHostage} per deceased hostage returned`
          : '';
      const withdrawal = t.withdrawal ? `; withdrawal to ${t.withdrawal}` : '';
      const ext = t.extension
        ? `; +1 day per ${t.extension.hostagesPerDay} more hostages${t.extension.maxDays !== undefined ? ` (at most ${t.extension.maxDays} days)` : ''}`
        : '';
      yield row(
        `phase ${t.phase} (${t.proposalId})`,
        `${t.days === undefined ? 'open-ended' : `${t.days} days`}: ${hostages}${ratio ? `; ${ratio}` : ''}${lists}${remains}${withdrawal}${ext}`,
      );
    }
    yield row(
      'end of the war',
      report.terms.permanentCeasefire ? 'permanent ceasefire agreed' : 'not agreed',
    );
  }
  yield '';
  yield 'Proposals';
  const proposals = report.proposals;
  if (proposals.length === 0) yield '  none';
  for (let i = yield* latest(proposals.length, limit, 'proposals'); i < proposals.length; i++) {
    const prop = proposals[i] as ReplayReport['proposals'][number];
    const s = prop.summary;
    yield row(
      prop.proposalId,
      `${prop.status}, from ${partyName(prop.from, names)}: ${s.phases} phase(s), ${s.pauseDays ?? 'open-ended'}${s.pauseDays === null ? '' : ' days'}, permanent ceasefire ${s.permanentCeasefire ? 'yes' : 'no'}`,
    );
  }
  yield '';
  yield 'Sticking points';
  if (report.stickingPoints.length === 0) yield '  none between the principals’ latest positions';
  for (const point of report.stickingPoints) {
    const positions = Object.entries(point.positions)
      .map(([party, value]) => `${partyName(party, names)} ${termValue(value)}`)
      .join(' vs ');
    yield row(TERM_LABELS[point.term], positions);
  }
}

const TERM_LABELS: Record<ReplayReport['stickingPoints'][number]['term'], string> = {
  permanentCeasefire: 'end of the war',
  pauseDays: 'pause, days',
  phases: 'phases',
  hostages: 'hostages released',
  prisoners: 'prisoners released',
  aidTrucksPerDay: 'aid trucks a day',
  withdrawal: 'withdrawal',
};

/** `1000 of 1200 trucks due (200 a day × 6 day(s))`, and fuel where the terms give a figure. */
function aidOwed(d: ReplayReport['aid']['due'][number]): string {
  const trucks =
    d.trucksDue === null
      ? `${d.trucks} trucks delivered (the terms give no figure)`
      : `${d.trucks} of ${d.trucksDue} trucks due (${d.trucksPerDay} a day × ${d.days} day(s))`;
  const fuel = d.fuelTrucksDue === null ? '' : `; fuel ${d.fuelTrucks} of ${d.fuelTrucksDue} due`;
  return `${trucks}${fuel}`;
}

function termValue(value: unknown): string {
  if (value === true) return 'yes';
  if (value === false) return 'no';
  return value === null ? 'not stated' : String(value);
}

function obligations(report: ReplayReport): string[] {
  const out: string[] = [];
  const gap = report.prisoners.due - report.prisoners.released;
  if (report.prisoners.due === 0 && report.prisoners.released === 0) out.push('  no exchange yet');
  else if (gap > 0)
    out.push(`  ${gap} prisoner(s) still due by the terms (ratios and fixed lists)`);
  else if (gap < 0) out.push(`  ${-gap} prisoner(s) released beyond what is due`);
  else out.push('  prisoners released match what is due: nothing outstanding');
  const current = report.hostages.byPhase[report.hostages.byPhase.length - 1];
  if (current && current.hostagesNamed !== null) {
    const left = current.hostagesNamed - current.hostagesReleased;
    out.push(
      left > 0
        ? `  ${left} hostage(s) still due in phase ${current.phase} (${current.hostagesReleased} of ${current.hostagesNamed} released)`
        : `  every hostage phase ${current.phase} names is released (${current.hostagesReleased} of ${current.hostagesNamed})`,
    );
  }
  return out;
}

/**
 * The obligations of the terms: every overdue one, then every open one, then the latest
 * `limit` met ones (each group in the order the log made them).
 */
function* deadlines(
  report: ReplayReport,
  names: Record<string, string>,
  limit: number,
): Generator<string> {
  type Obligation = ReplayReport['obligations'][number];
  const line = (o: Obligation): string => {
    const what =
      o.what === 'talks'
        ? `talks on phase ${o.talksOn}`
        : o.what === 'withdrawal'
          ? `withdrawal to ${o.line}`
          : `${o.count} ${o.category ?? (o.what === 'remains' ? 'remains of deceased hostages' : o.what)}${o.what === 'remains' && o.category ? ' (remains)' : ''}`;
    const due = o.due === null ? 'as soon as possible' : `by ${when(o.due)}`;
    const done = o.count === null ? '' : `, ${o.fulfilled} of ${o.count}`;
    const status = o.status === 'met' ? `met ${when(o.metAt)}` : o.status.toUpperCase();
    const who =
      o.party === null ? `release schedule, day ${o.round}:` : `${partyName(o.party, names)} owes`;
    return `  ${status}: ${who} ${what} ${due}${done}`;
  };
  const met: Obligation[] = [];
  const open: Obligation[] = [];
  for (const o of report.obligations) {
    if (o.status === 'overdue') yield line(o);
    else (o.status === 'open' ? open : met).push(o);
  }
  for (const o of open) yield line(o);
  for (let i = yield* latest(met.length, limit, 'met obligations'); i < met.length; i++) {
    yield line(met[i] as Obligation);
  }
}

/** `seq  date  text` for one timeline entry. */
export function formatTimelineEntry(entry: TimelineEntry): string {
  const source = entry.source
    ? `  [${entry.source}${entry.confidence ? `, ${entry.confidence}` : ''}]`
    : '';
  return escapeText(
    `${String(entry.seq).padStart(4)}  ${when(entry.at).padEnd(17)}  ${entry.text}${source}`,
  );
}

/** The one-line status: state, phase and the headline counts. */
export function formatStatus(report: ReplayReport): string {
  const h = report.hostages;
  const phase = report.phase === 0 ? 'no phase started' : `phase ${report.phase}`;
  const at = report.at === null ? 'no event yet' : `at seq ${report.seq} (${when(report.at)})`;
  const overdue = report.obligations.filter((o) => o.status === 'overdue').length;
  const lead = overdue > 0 ? `${overdue} obligation(s) OVERDUE; ` : '';
  const strained = report.ceasefire.strained ? ' (ceasefire strained)' : '';
  return escapeLines(
    `${report.state}${strained} ${at}: ${lead}${phase}; hostages released ${h.releasedTotal} (${h.releasedUnderDeal} under the deal, ${h.releasedOutsideDeal} outside); prisoners released ${report.prisoners.released} of ${report.prisoners.due} due; sticking points ${report.stickingPoints.length ? report.stickingPoints.map((s) => s.term).join(', ') : 'none'}\n`,
  );
}
