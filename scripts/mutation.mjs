// npm run mutation: StrykerJS over machines/ and projections/ in two passes, so that every
// surviving mutant has faced the properties at their full run count without every mutant paying
// for it. Pass 1 runs the judging tests (vitest.stryker.config.ts) with the properties at
// MUTATION_QUICK_RUNS (10) per property, incrementally (stryker-incremental.json): most mutants
// die there, at the first failing test. Pass 2 runs again, only over the mutants that survived,
// with the properties at MUTATION_FULL_RUNS (100, their full local count, as `npm test`; CI
// runs 1,000: MUTATION_FULL_RUNS=1000 asks for that). fast-check draws the same first runs
// whatever the count, so a mutant killed at 10 runs is killed at 100 too: the verdicts are
// those of a single run at full runs. Prints the score and writes reports/mutation/summary.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'reports', 'mutation');
const quickRuns = process.env.MUTATION_QUICK_RUNS ?? '10';
const fullRuns = process.env.MUTATION_FULL_RUNS ?? '100';
const started = Date.now();

function stryker(args, runs, env = {}) {
  const result = spawnSync('npx', ['stryker', 'run', ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TRUCE_RUNS: runs, ...env },
  });
  if (result.status !== 0) {
    console.error(`stryker ${args.join(' ')} failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
}

function mutantsOf(report) {
  return Object.entries(report.files).flatMap(([file, { mutants }]) =>
    mutants.map((m) => ({ file, ...m })),
  );
}

const key = (m) =>
  `${m.file}:${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column} ${m.mutatorName} ${m.replacement ?? ''}`;

// Pass 1.
const base = JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8'));
stryker([], quickRuns);
const first = JSON.parse(readFileSync(join(out, 'mutation.json'), 'utf8'));
const mutants = mutantsOf(first);
const survivors = mutants.filter((m) => m.status === 'Survived');
const passOneMinutes = (Date.now() - started) / 60_000;

// Pass 2: only the survivors, at full runs, with fresh modules (TRUCE_ISOLATE=1). Pass 1 shares
// one module graph across runs, which never re-evaluates code run once and kept: the chart's
// definition (read at import: Stryker's static mutants) and the executor compiled from it on
// first use (machines/executor.ts, cached for the process). A mutant of either is judged rightly
// only with fresh modules; the survivors are few, so all of them are judged that way.
function rerun(list, name, env) {
  if (list.length === 0) return;
  // Stryker ranges are 1-based lines and 0-based columns; the report's columns are 1-based.
  const ranges = [
    ...new Set(
      list.map(
        (m) =>
          `${m.file}:${m.location.start.line}:${m.location.start.column - 1}-${m.location.end.line}:${m.location.end.column - 1}`,
      ),
    ),
  ];
  // Incremental too, in a file of its own (committed): a rerun judges again only the survivors
  // whose code or covering tests changed since, so a rerun without changes takes minutes.
  const config = {
    ...base,
    mutate: ranges,
    incremental: true,
    incrementalFile: `stryker-incremental-${name}.json`,
    reporters: ['clear-text', 'progress', 'json'],
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
  };
  delete config.htmlReporter;
  mkdirSync(out, { recursive: true });
  const configFile = join(out, `${name}.config.json`);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  stryker([configFile], fullRuns, env);
  const again = new Map(
    mutantsOf(JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8'))).map((m) => [key(m), m]),
  );
  for (const m of list) {
    const verdict = again.get(key(m));
    if (verdict) m.status = verdict.status;
  }
}
rerun(survivors, 'survivors', { TRUCE_ISOLATE: '1' });

// The score, overall and per folder.
function tally(list) {
  const count = (status) => list.filter((m) => m.status === status).length;
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const errors = count('CompileError') + count('RuntimeError');
  const valid = killed + timeout + survived + noCoverage;
  const detected = killed + timeout;
  const pct = (n, d) => (d === 0 ? 100 : Math.round((10_000 * n) / d) / 100);
  return {
    mutants: list.length,
    killed,
    timeout,
    survived,
    noCoverage,
    errors,
    score: pct(detected, valid),
    scoreOfCovered: pct(detected, detected + survived),
  };
}
const summary = {
  quickRuns: Number(quickRuns),
  fullRuns: Number(fullRuns),
  minutes: Math.round((Date.now() - started) / 6_000) / 10,
  passOneMinutes: Math.round(passOneMinutes * 10) / 10,
  all: tally(mutants),
  machines: tally(mutants.filter((m) => m.file.startsWith('machines/'))),
  projections: tally(mutants.filter((m) => m.file.startsWith('projections/'))),
  survivors: mutants
    .filter((m) => m.status === 'Survived')
    .map((m) => ({
      at: `${m.file}:${m.location.start.line}:${m.location.start.column}`,
      mutator: m.mutatorName,
      replacement: m.replacement,
    })),
};
writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(
  `\nmutation score ${summary.all.score}% (${summary.all.scoreOfCovered}% of covered): machines/ ${summary.machines.score}% (${summary.machines.scoreOfCovered}% of covered), projections/ ${summary.projections.score}%; killed ${summary.all.killed}, timeout ${summary.all.timeout}, survived ${summary.all.survived}, no coverage ${summary.all.noCoverage}; ${summary.minutes} min (pass 1 at ${quickRuns} runs ${summary.passOneMinutes} min, survivors at ${fullRuns} runs)`,
);
for (const s of summary.survivors)
  console.log(`  survived: ${s.at} ${s.mutator} → ${s.replacement}`);
