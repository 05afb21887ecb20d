import type { ReplayReport, TimelineEntry } from '../projections/index.js';
import { escapeLines, escapeText } from './escape.js';

function row(label: string, value: string): string {
  return `  ${label.padEnd(28)}${value}`;
}

function entries(record: Record<string, number>): string {
  const parts = Object.entries(record).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : '';
}

function when(at: string | null): string {
  return at === null ? '' : at.replace('T', ' ').replace(/:00(\.0+)?Z$/, 'Z');
}

/** Names a party by its display name where the report knows it. */
function partyName(id: string, names: Record<string, string>): string {
  return names[id] ?? id;
}

/**
 * The readable standing of a deal: state, counts, who owes what, terms and sticking points.
 *
 * @example
 * process.stdout.write(formatReport(report));
 */
export function formatReport(report: ReplayReport, names: Record<string, string> = {}): string {
  const h = report.hostages;
  const p = report.prisoners;
  const lines: string[] = [];
  if (report.title) lines.push(report.title, '');
  lines.push(
    row(
      'State',
      report.at === null
        ? `${report.state}  (the log holds no event yet)`
        : `${report.state}  (after seq ${report.seq}, ${when(report.at)})`,
    ),
  );
  const pause =
    report.pause.days > 0
      ? `, pause of ${report.pause.days} days with ${report.pause.extensions} extension(s)${report.pause.day !== null ? `, now on day ${report.pause.day}` : ''}`
      : '';
  lines.push(row('Phase', `${report.phase === 0 ? 'none started' : report.phase}${pause}`));
  lines.push('', 'Hostages');
  lines.push(
    row(
      'released under the deal',
      `${h.releasedUnderDeal}  (alive ${h.releasedAlive}, bodies ${h.bodiesReturned})`,
    ),
  );
  const groups = entries(h.outsideDealByGroup);
  lines.push(
    row(
      'released outside the deal',
      `${h.releasedOutsideDeal}${groups ? `  (as released: ${groups}; recounts move some under the deal)` : ''}`,
    ),
  );
  lines.push(row('released in total', String(h.releasedTotal)));
  if (h.held !== null) lines.push(row('held (last count)', `${h.held}, still held ${h.remaining}`));
  const byCategory = entries(h.byCategory);
  if (byCategory) lines.push(row('under the deal by category', byCategory));
  lines.push('', 'Prisoners');
  lines.push(row('released', `${p.released}  (${entries(p.byCategory) || 'none'})`));
  lines.push(row('due by the agreed ratios', String(p.due)));
  lines.push('', 'Who owes what');
  lines.push(...obligations(report));
  if (report.aid.trucks > 0 || report.aid.fuelTrucks > 0) {
    lines.push('', 'Aid');
    lines.push(row('trucks delivered', `${report.aid.trucks} (fuel ${report.aid.fuelTrucks})`));
    for (const [region, a] of Object.entries(report.aid.byRegion)) {
      lines.push(row(`  ${region}`, `${a.trucks} (fuel ${a.fuelTrucks})`));
    }
  }
  lines.push('', 'Terms in force');
  if (report.terms === null) lines.push('  none agreed');
  else {
    for (const t of report.terms.phases) {
      const hostages = t.hostages.map((x) => `${x.count ?? 'all'} ${x.category}`).join(', ');
      const ratio = (t.exchange ?? [])
        .map((e) => `${e.prisonersPerHostage} prisoners per hostage (${e.category})`)
        .join(', ');
      const ext = t.extension
        ? `; +1 day per ${t.extension.hostagesPerDay} more hostages${t.extension.maxDays !== undefined ? ` (at most ${t.extension.maxDays} days)` : ''}`
        : '';
      lines.push(
        row(
          `phase ${t.phase} (${t.proposalId})`,
          `${t.days} days: ${hostages}${ratio ? `; ${ratio}` : ''}${ext}`,
        ),
      );
    }
    lines.push(
      row(
        'end of the war',
        report.terms.permanentCeasefire ? 'permanent ceasefire agreed' : 'not agreed',
      ),
    );
  }
  lines.push('', 'Proposals');
  if (report.proposals.length === 0) lines.push('  none');
  for (const prop of report.proposals) {
    const s = prop.summary;
    lines.push(
      row(
        prop.proposalId,
        `${prop.status}, from ${partyName(prop.from, names)}: ${s.phases} phase(s), ${s.pauseDays} days, permanent ceasefire ${s.permanentCeasefire ? 'yes' : 'no'}`,
      ),
    );
  }
  lines.push('', 'Sticking points');
  if (report.stickingPoints.length === 0)
    lines.push('  none between the principals’ latest positions');
  for (const point of report.stickingPoints) {
    const positions = Object.entries(point.positions)
      .map(([party, value]) => `${partyName(party, names)} ${termValue(value)}`)
      .join(' vs ');
    lines.push(row(TERM_LABELS[point.term], positions));
  }
  return escapeLines(`${lines.join('\n')}\n`);
}

const TERM_LABELS: Record<ReplayReport['stickingPoints'][number]['term'], string> = {
  permanentCeasefire: 'end of the war',
  pauseDays: 'pause, days',
  phases: 'phases',
  hostages: 'hostages released',
  prisoners: 'prisoners released',
  aidTrucksPerDay: 'aid trucks a day',
};

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
    out.push(`  ${gap} prisoner(s) still due for the hostages released under the deal`);
  else if (gap < 0) out.push(`  ${-gap} prisoner(s) released beyond what the ratios owe`);
  else out.push('  prisoners released match the ratios: nothing outstanding');
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
  return escapeLines(
    `${report.state} ${at}: ${phase}; hostages released ${h.releasedTotal} (${h.releasedUnderDeal} under the deal, ${h.releasedOutsideDeal} outside); prisoners released ${report.prisoners.released} of ${report.prisoners.due} due; sticking points ${report.stickingPoints.length ? report.stickingPoints.map((s) => s.term).join(', ') : 'none'}\n`,
  );
}
