import type { PhaseTerms, Terms, TruceEvent } from '../events/index.js';
import {
  type AidTerms,
  countsToward,
  type DecidedEvent,
  isDeceased,
  type ObligationStep,
  obligationTarget,
  type ProposalStatus,
  resolutionOf,
} from '../machines/index.js';
import type { FlareUp, ObligationProgress } from './ceasefire.js';
import { FoldIndex, type StepGroup } from './foldIndex.js';
import { type Stance, type StanceTerm, stanceOfTerms } from './stances.js';
import { summarizeTerms, type TermsSummary } from './summary.js';

/** A proposal as the projections show it. */
export interface ProposalView {
  proposalId: string;
  from: string;
  via: string[];
  to: string[];
  replaces: string | null;
  supersededBy: string | null;
  /** As the machine resolved it (one vocabulary: `ProposalStatus` of machines/). */
  status: ProposalStatus;
  /** Per principal: `all`, or the phases accepted one by one. */
  acceptedBy: Record<string, 'all' | number[]>;
  rejectedBy: string | null;
  seq: number;
  at: string;
  summary: TermsSummary;
  terms: Terms;
}

/** A principal's latest stance: its own latest proposal or acceptance. */
export interface Position extends TermsSummary {
  proposalId: string;
  stance: 'proposed' | 'accepted' | 'accepted-phase';
  phase: number | null;
  seq: number;
  at: string;
}

/** One term on which the principals' positions differ. */
export interface StickingPoint {
  term: StanceTerm;
  positions: Record<string, Stance['value'] | null>;
}

/** Per-phase accounting. */
export interface PhaseAccount {
  phase: number;
  proposalId: string;
  startedAt: string;
  completed: boolean;
  /** With extensions; null for an open-ended phase (no `days` in its terms). */
  days: number | null;
  extensions: number;
  /** Hostages the terms name plus those extensions bring, when the terms state counts. */
  hostagesNamed: number | null;
  hostagesReleased: number;
  prisonersReleased: number;
  prisonersDue: number;
}

/** Aid a phase's terms owe one region each day, and what was delivered there while it was in force. */
export interface AidAccount extends AidTerms {
  /** The phase attempt (`byPhase` index). */
  attempt: number;
  phase: number;
  startedAt: string;
  /** When the phase was completed or fighting resumed; null while it is in force. */
  endedAt: string | null;
  trucks: number;
  fuelTrucks: number;
}

/** The state of every projection, folded event by event. JSON-serialisable. */
export interface DealProjection {
  seq: number;
  at: string | null;
  title: string | null;
  parties: Record<string, { name: string; role: string }>;
  principals: string[];
  phase: number;
  hostages: {
    releasedAlive: number;
    bodiesReturned: number;
    releasedOutsideDeal: number;
    byCategory: Record<string, number>;
    outsideDealByGroup: Record<string, number>;
    /** The last count of hostages held, by category, and what had been released by then. */
    held: Record<string, number> | null;
    releasedAtCount: number;
    /** Remains returned by the last count, and the released under the deal per category. */
    deceasedAtCount: number;
    byCategoryAtCount: Record<string, number>;
  };
  prisoners: { released: number; due: number; byCategory: Record<string, number> };
  /** Remains returned by the other side, and what the terms' ratio owes for the deceased returned. */
  remains: { returned: number; due: number };
  obligations: ObligationProgress[];
  flareUps: FlareUp[];
  /** A flare-up is open: the ceasefire has not been restored since. */
  strained: boolean;
  /** Violations reported, per party accused (`against`). */
  violationsAgainst: Record<string, number>;
  /** Each principal's latest statement on each term (proposal, acceptance of all, demand). */
  stances: Record<string, Partial<Record<StanceTerm, Stance>>>;
  demands: Array<{ seq: number; at: string; by: string; description: string }>;
  aid: {
    trucks: number;
    fuelTrucks: number;
    byRegion: Record<string, { trucks: number; fuelTrucks: number }>;
  };
  /** Per phase started and region its terms owe aid to (`aidByRegion`): owed and delivered. */
  aidOwed: AidAccount[];
  byPhase: PhaseAccount[];
  terms: Array<PhaseTerms & { phase: number; proposalId: string; permanentCeasefire: boolean }>;
  proposals: ProposalView[];
  positions: Record<string, Position>;
  violations: number;
}

/** Before the first event. */
export const initialDealProjection: DealProjection = {
  seq: 0,
  at: null,
  title: null,
  parties: {},
  principals: [],
  phase: 0,
  hostages: {
    releasedAlive: 0,
    bodiesReturned: 0,
    releasedOutsideDeal: 0,
    byCategory: {},
    outsideDealByGroup: {},
    held: null,
    releasedAtCount: 0,
    deceasedAtCount: 0,
    byCategoryAtCount: {},
  },
  prisoners: { released: 0, due: 0, byCategory: {} },
  remains: { returned: 0, due: 0 },
  obligations: [],
  flareUps: [],
  strained: false,
  violationsAgainst: {},
  stances: {},
  demands: [],
  aid: { trucks: 0, fuelTrucks: 0, byRegion: {} },
  aidOwed: [],
  byPhase: [],
  terms: [],
  proposals: [],
  positions: {},
  violations: 0,
};

/**
 * The projection's long lists: they grow with the log (a million-event deal has tens of
 * thousands of flare-ups and demands), and a fold only appends to them or replaces an entry
 * (never removes, reorders or re-keys one; see {@link FoldIndex}).
 */
export const PROJECTION_LISTS = [
  'obligations',
  'flareUps',
  'demands',
  'aidOwed',
  'byPhase',
  'proposals',
] as const;

/** One of {@link PROJECTION_LISTS}. */
export type ProjectionList = (typeof PROJECTION_LISTS)[number];

/**
 * A change to a long list: its entry at `index` is now `item` (an index at its end appends);
 * `was` is the entry it replaced, when there was one, to tell what of it changed.
 */
export interface ListEdit {
  list: ProjectionList;
  index: number;
  item: unknown;
  was?: unknown;
}

/** The projection for a checkpoint, and what its long lists gained since the one before. */
export interface ProjectionCheckpoint {
  /**
   * The projection as it stands. Sealed (never changed by later folds) when asked to be kept;
   * else its long lists are still the fold's own and change with the next fold: it is to be read
   * (written out, compared) before folding on, and never kept.
   */
  projection: DealProjection;
  /**
   * The entries of the long lists replaced or appended since the previous checkpoint (or since
   * the folder was made), in list order, each list's replaced entries before its appended ones.
   * With them, the lists need not be compared (nor kept) to know what changed.
   */
  lists: ListEdit[];
}

/** What a fold knows of one of the projection's long lists. */
interface ListState {
  /** The list this fold writes in place, or null: it is copied at the next write. */
  own: unknown[] | null;
  /** The entries from this index on were appended since the last hand-out: this fold's own. */
  from: number;
  /** Per entry below `from`: the hand-out epoch in which this fold copied it (-1 for none). */
  copied: number[];
  /** The list's length at the last checkpoint (or when the fold began). */
  start: number;
  /** The entries below `start` replaced since the last checkpoint, as they were then. */
  changed: Map<number, unknown>;
}

/**
 * Copy-on-write over a projection: a container (object or array) is copied the first time a
 * fold writes to it after the projection was last handed out ({@link ProjectionFolder.projection},
 * {@link ProjectionFolder.checkpoint}), then written in place until the next hand-out. What a
 * fold was given is never changed, and what did not change stays shared, as immer would give,
 * without its proxies (immer cost a fifth of a replay).
 *
 * Ownership (made or copied by this fold since the last hand-out) is known from where a
 * container sits, for the three kinds an event touches millions of times in a replay: the root
 * (a flag), each long list (the one list the fold owns, if any) and the lists' entries (by
 * index: an entry appended since the hand-out is the fold's; one below is the fold's if it was
 * copied in the current epoch, which each hand-out advances). Asking a `WeakSet` of the copies,
 * as before, made a first replay through the cache (a hand-out every 1,024 events) fold at half
 * the speed of one without. The few other containers (`hostages`, `aid.byRegion`, a party's
 * stances, a proposal's `acceptedBy`, …) are still looked up in a `WeakSet` of this epoch's
 * copies. No mark is put on a container: a symbol key is copied by a spread and seen by deep
 * equality, and a hidden one takes a `defineProperty` per copy and changes the hidden class of
 * what is handed out.
 *
 * The long lists are also followed from one checkpoint to the next (their length, the entries
 * replaced), so that a checkpoint that is not kept leaves the lists the fold's own: copying a
 * list of tens of thousands of entries at every checkpoint of the cache made a replay's heap
 * grow with the copies (each too large for V8's young generation, freed only by a full
 * collection). All else is sealed even then (the cache compares the next checkpoint with it),
 * and an entry is still copied on its first write after any hand-out: the copy keeps the entry
 * as it was (`was`) for the next checkpoint's edits.
 *
 * A fold from {@link initialDealProjection} starts on a private copy of it and, until it first
 * hands the projection out, owns every container it can reach: it writes in place without
 * asking. A replay without the cache hands the projection out once, at its end.
 */
class Writable {
  /** True until the first hand-out: everything reachable from the root is this fold's own. */
  #exclusive: boolean;
  #root: DealProjection;
  #rootOwned: boolean;
  /** Advanced at each hand-out: an entry copied in an earlier epoch is no longer this fold's. */
  #epoch = 0;
  /** The other containers this fold made or copied since the last hand-out. */
  #owned = new WeakSet<object>();
  readonly #lists: Readonly<Record<ProjectionList, ListState>>;
  /** Where this fold finds the entries of the projection's long lists an event touches. */
  readonly index = new FoldIndex();

  constructor(state: DealProjection) {
    const exclusive = state === initialDealProjection;
    this.#exclusive = exclusive;
    this.#rootOwned = exclusive;
    const root = exclusive ? structuredClone(state) : state;
    this.#root = root;
    const list = (key: ProjectionList): ListState => ({
      own: exclusive ? root[key] : null,
      from: exclusive ? 0 : root[key].length,
      copied: [],
      start: root[key].length,
      changed: new Map(),
    });
    this.#lists = {
      obligations: list('obligations'),
      flareUps: list('flareUps'),
      demands: list('demands'),
      aidOwed: list('aidOwed'),
      byPhase: list('byPhase'),
      proposals: list('proposals'),
    };
  }

  /** The projection, writable at its top level. */
  get root(): DealProjection {
    if (!this.#rootOwned) {
      this.#root = { ...this.#root };
      this.#rootOwned = true;
    }
    return this.#root;
  }

  /**
   * `parent[key]`, writable: copied into `parent` first unless this fold made it. Not for the
   * long lists nor their entries ({@link list}, {@link entry}).
   */
  child<P extends object, K extends Exclude<keyof P & string, ProjectionList>>(
    parent: P,
    key: K,
  ): P[K] {
    const value = parent[key] as unknown as object;
    if (this.#exclusive || this.#owned.has(value)) return value as P[K];
    const copy = Array.isArray(value) ? value.slice() : { ...value };
    this.#owned.add(copy);
    parent[key] = copy as P[K];
    return copy as P[K];
  }

  /** The long list `key`, writable: copied into the root first unless this fold owns it. */
  list<K extends ProjectionList>(key: K): DealProjection[K] {
    const state = this.#lists[key];
    if (state.own !== null) return state.own as DealProjection[K];
    const root = this.root;
    const copy = root[key].slice() as DealProjection[K];
    root[key] = copy;
    state.own = copy;
    return copy;
  }

  /**
   * Entry `index` of the long list `key` (there must be one), writable: copied into the list
   * first unless this fold appended or copied it since the last hand-out.
   */
  entry<K extends ProjectionList>(key: K, index: number): DealProjection[K][number] {
    const state = this.#lists[key];
    const list = (state.own ?? this.list(key)) as Array<DealProjection[K][number]>;
    const item = list[index] as DealProjection[K][number];
    if (index >= state.from || state.copied[index] === this.#epoch) return item;
    const copy = { ...item };
    list[index] = copy;
    this.#copied(state, index, item);
    return copy;
  }

  /** Sets entry `index` of the long list `key` to `item`, made by this fold. */
  put<K extends ProjectionList>(key: K, index: number, item: DealProjection[K][number]): void {
    const state = this.#lists[key];
    const list = (state.own ?? this.list(key)) as Array<DealProjection[K][number]>;
    const was = list[index];
    list[index] = item;
    if (index < state.from) this.#copied(state, index, was);
  }

  /** The projection as folded so far; later writes copy what they touch again. */
  seal(): DealProjection {
    this.#handOut(false);
    return this.#root;
  }

  /** See {@link ProjectionFolder.checkpoint}. */
  checkpoint(keep: boolean): ProjectionCheckpoint {
    const root = this.#root;
    const lists: ListEdit[] = [];
    for (const key of PROJECTION_LISTS) {
      const list: readonly unknown[] = root[key];
      const state = this.#lists[key];
      // As JSON writes it: an entry that is not there is null.
      const changed = [...state.changed].sort((a, b) => a[0] - b[0]);
      for (const [index, was] of changed) {
        if (index < list.length) lists.push({ list: key, index, item: list[index] ?? null, was });
      }
      for (let i = state.start; i < list.length; i++) {
        lists.push({ list: key, index: i, item: list[i] ?? null });
      }
      state.start = list.length;
      state.changed = new Map();
    }
    // Not kept: the lists stay this fold's (no copy of them at the next write); all else is sealed.
    this.#handOut(!keep);
    return { projection: root, lists };
  }

  /** `value`, made by this fold and never handed out: written in place without a copy. */
  fresh<T extends object>(value: T): T {
    if (!this.#exclusive) this.#owned.add(value);
    return value;
  }

  /** Ends this epoch: what the fold made so far is handed out (but the lists, with `listsStay`). */
  #handOut(listsStay: boolean): void {
    this.#exclusive = false;
    this.#rootOwned = false;
    this.#owned = new WeakSet();
    this.#epoch++;
    for (const key of PROJECTION_LISTS) {
      const state = this.#lists[key];
      state.from = this.#root[key].length;
      if (!listsStay) state.own = null;
    }
  }

  /** Entry `index` (below `from`) of a list is this fold's from now on; it replaced `was`. */
  #copied(state: ListState, index: number, was: unknown): void {
    const copied = state.copied;
    while (copied.length <= index) copied.push(-1);
    copied[index] = this.#epoch;
    // The first entry replaced since the checkpoint is the one the checkpoint holds.
    if (index < state.start && !state.changed.has(index)) state.changed.set(index, was);
  }
}

/**
 * Folds decided events into a projection, one at a time, in place on its own copies
 * (copy-on-write): {@link ProjectionFolder.projection} hands out the projection as it stands,
 * which later folds never change. Replay's hot path: no copy per event, none per batch.
 *
 * @example
 * const folder = new ProjectionFolder(initialDealProjection);
 * for (const decided of decideEvents(events)) folder.fold(decided);
 * folder.projection().hostages.releasedAlive;
 */
export class ProjectionFolder {
  readonly #w: Writable;

  constructor(state: DealProjection) {
    this.#w = new Writable(state);
  }

  /** Folds one event the machine took, with what the machine resolved of it. */
  fold(decided: DecidedEvent): void {
    applyEvent(this.#w, decided);
    const root = this.#w.root;
    root.seq = decided.event.seq;
    root.at = decided.event.at;
  }

  /** The projection as it stands; folding on never changes what this returns. */
  projection(): DealProjection {
    payOwed(this.#w);
    return this.#w.seal();
  }

  /**
   * The projection for a checkpoint of the replay cache, with the entries of its long lists
   * replaced or appended since the previous checkpoint (or since this folder was made), so the
   * cache need not compare the lists. With `keep`, as {@link projection} (sealed); without, the
   * long lists are not handed over but stay this folder's to append to: the projection is to be
   * read before the next fold and never kept (a checkpoint written at once and compared with the
   * next one), and the lists are not copied at the next write.
   *
   * @example
   * const { projection, lists } = folder.checkpoint(false);
   */
  checkpoint(keep: boolean): ProjectionCheckpoint {
    payOwed(this.#w);
    return this.#w.checkpoint(keep);
  }
}

/**
 * Folds one event the machine took, with what the machine resolved of it, into the
 * projections. The machine decided legality, agreement, limits and what is owed; a projection
 * only adds up and records. `state` is never changed.
 *
 * @example
 * const p = decided.reduce(evolveDealProjection, initialDealProjection);
 */
export function evolveDealProjection(state: DealProjection, decided: DecidedEvent): DealProjection {
  const folder = new ProjectionFolder(state);
  folder.fold(decided);
  return folder.projection();
}

/** Folds a batch of decided events; `state` is never changed (what did not change is shared). */
export function evolveDealProjectionMany(
  state: DealProjection,
  batch: readonly DecidedEvent[],
): DealProjection {
  if (batch.length === 0) return state;
  const folder = new ProjectionFolder(state);
  for (const decided of batch) folder.fold(decided);
  return folder.projection();
}

function add(record: Record<string, number>, key: string, n: number): void {
  record[key] = (Object.hasOwn(record, key) ? (record[key] ?? 0) : 0) + n;
}

function releasedTotal(h: DealProjection['hostages']): number {
  return h.releasedAlive + h.bodiesReturned + h.releasedOutsideDeal;
}

/** The phase account of `attempt`, writable, if the phase started. */
function accountOf(w: Writable, attempt: number): PhaseAccount | undefined {
  const byPhase = w.root.byPhase;
  if (byPhase[attempt] === undefined) return undefined;
  return w.entry('byPhase', attempt);
}

function countHostages(
  w: Writable,
  hostages: ReadonlyArray<{ category: string; count: number; deceased?: boolean | undefined }>,
  prisonersDue: number,
  resolved: { attempt: number; remainsDue: number },
  at: string,
): void {
  const root = w.root;
  const counts = w.child(root, 'hostages');
  let counted = 0;
  for (const h of hostages) {
    const deceased = isDeceased(h);
    if (deceased) counts.bodiesReturned += h.count;
    else counts.releasedAlive += h.count;
    add(w.child(counts, 'byCategory'), h.category, h.count);
    counted += h.count;
    towardObligations(w, resolved.attempt, deceased ? 'remains' : 'hostages', h, at);
  }
  w.child(root, 'prisoners').due += prisonersDue;
  w.child(root, 'remains').due += resolved.remainsDue;
  const account = accountOf(w, resolved.attempt);
  if (account) {
    account.hostagesReleased += counted;
    account.prisonersDue += prisonersDue;
  }
}

/** Folds one event, all but its `seq` and `at`, which the caller sets. */
function applyEvent(w: Writable, decided: DecidedEvent): void {
  const event = decided.event;
  switch (event.type) {
    case 'negotiation.opened': {
      const root = w.root;
      root.title = event.data.title;
      for (const p of event.data.parties) {
        w.child(root, 'parties')[p.id] = { name: p.name, role: p.role };
        if (p.role === 'principal') w.child(root, 'principals').push(p.id);
      }
      if (event.data.held) w.child(root, 'hostages').held = { ...event.data.held };
      return;
    }
    case 'proposal.sent': {
      const d = event.data;
      const root = w.root;
      const summary = summarizeTerms(d.terms);
      const { superseded } = resolutionOf(decided, 'proposal.sent');
      if (superseded !== null && root.proposals[superseded] !== undefined) {
        const old = w.entry('proposals', superseded);
        old.status = 'superseded';
        old.supersededBy = d.proposalId;
      }
      w.list('proposals').push({
        proposalId: d.proposalId,
        from: d.from,
        via: d.via ?? [],
        to: d.to ?? [],
        replaces: d.replaces ?? null,
        supersededBy: null,
        status: 'live',
        acceptedBy: {},
        rejectedBy: null,
        seq: event.seq,
        at: event.at,
        summary,
        // Terms are never changed: the event's own object is shared, never copied.
        terms: d.terms,
      });
      if (root.principals.includes(d.from)) {
        state(w, d.from, stanceOfTerms(d.terms, summary), 'proposal', d.proposalId, event);
        w.child(root, 'positions')[d.from] = position(
          summary,
          d.proposalId,
          'proposed',
          null,
          event,
        );
      }
      return;
    }
    case 'proposal.accepted':
    case 'phase.accepted': {
      const d = event.data;
      const resolved = resolutionOf(decided, event.type);
      const root = w.root;
      if (root.proposals[resolved.proposal] === undefined) return;
      const p = w.entry('proposals', resolved.proposal);
      const phase = event.type === 'phase.accepted' ? event.data.phase : null;
      if (phase === null) w.child(p, 'acceptedBy')[d.by] = 'all';
      else {
        const prior = Object.hasOwn(p.acceptedBy, d.by) ? p.acceptedBy[d.by] : undefined;
        // A party that accepted the whole proposal cannot accept one of its phases again.
        if (Array.isArray(prior)) w.child(p, 'acceptedBy')[d.by] = [...prior, phase];
        else w.child(p, 'acceptedBy')[d.by] = [phase];
      }
      p.status = resolved.status;
      // Accepting one phase states no stance on the deal's whole terms (the end-of-war clause,
      // the length of the pause, …); accepting the whole proposal states them all.
      if (phase === null) {
        state(w, d.by, stanceOfTerms(p.terms, p.summary), 'acceptance', p.proposalId, event);
      }
      const stance = phase === null ? 'accepted' : 'accepted-phase';
      w.child(root, 'positions')[d.by] = position(p.summary, p.proposalId, stance, phase, event);
      return;
    }
    case 'proposal.rejected': {
      const resolved = resolutionOf(decided, 'proposal.rejected');
      const root = w.root;
      if (root.proposals[resolved.proposal] !== undefined) {
        const p = w.entry('proposals', resolved.proposal);
        p.status = resolved.status;
        p.rejectedBy = event.data.by;
      }
      return;
    }
    case 'phase.started': {
      const resolved = resolutionOf(decided, 'phase.started');
      const { phase, terms } = resolved;
      const root = w.root;
      root.phase = phase;
      // Terms of the phases before this one stay; a restart after a collapse replaces the rest.
      const phases = w.child(root, 'terms');
      while ((phases[phases.length - 1]?.phase ?? 0) >= phase) phases.pop();
      phases.push({
        ...terms,
        phase,
        proposalId: resolved.proposalId,
        permanentCeasefire: resolved.permanentCeasefire,
      });
      w.put('byPhase', resolved.attempt, {
        phase,
        proposalId: resolved.proposalId,
        startedAt: event.at,
        completed: false,
        days: terms.days ?? null,
        extensions: 0,
        hostagesNamed: resolved.hostagesNamed,
        hostagesReleased: 0,
        prisonersReleased: 0,
        prisonersDue: resolved.prisonersFixed,
      });
      w.child(root, 'prisoners').due += resolved.prisonersFixed;
      if (resolved.aid.length > 0) {
        const aidOwed = w.list('aidOwed');
        for (const a of resolved.aid) {
          aidOwed.push({
            ...a,
            attempt: resolved.attempt,
            phase,
            startedAt: event.at,
            endedAt: null,
            trucks: 0,
            fuelTrucks: 0,
          });
        }
      }
      if (resolved.obligations.length > 0) {
        const obligations = w.list('obligations');
        for (const o of resolved.obligations) {
          // An obligation of nothing (a count of 0) is met as the phase starts.
          const metAt = o.count === 0 ? event.at : null;
          obligations.push({ ...o, attempt: resolved.attempt, fulfilled: 0, metAt });
        }
      }
      return;
    }
    case 'release.completed': {
      const d = event.data;
      const resolved = resolutionOf(decided, 'release.completed');
      countHostages(w, d.hostages ?? [], resolved.prisonersDue, resolved, event.at);
      if (d.prisoners !== undefined && d.prisoners.length > 0) {
        const prisoners = w.child(w.root, 'prisoners');
        const account = accountOf(w, resolved.attempt);
        for (const p of d.prisoners) {
          prisoners.released += p.count;
          add(w.child(prisoners, 'byCategory'), p.category, p.count);
          if (account) account.prisonersReleased += p.count;
          towardObligations(w, resolved.attempt, 'prisoners', p, event.at);
        }
      }
      if (d.outsideDeal !== undefined && d.outsideDeal.length > 0) {
        const counts = w.child(w.root, 'hostages');
        for (const o of d.outsideDeal) {
          counts.releasedOutsideDeal += o.count;
          add(w.child(counts, 'outsideDealByGroup'), o.group, o.count);
        }
      }
      return;
    }
    case 'release.recounted': {
      const resolved = resolutionOf(decided, 'release.recounted');
      const moved = event.data.hostages.reduce((sum, h) => sum + h.count, 0);
      w.child(w.root, 'hostages').releasedOutsideDeal -= moved;
      countHostages(w, event.data.hostages, resolved.prisonersDue, resolved, event.at);
      return;
    }
    case 'pause.extended': {
      const resolved = resolutionOf(decided, 'pause.extended');
      const account = accountOf(w, resolved.attempt);
      if (!account) return;
      if (account.days !== null) account.days += event.data.days;
      account.extensions += 1;
      if (account.hostagesNamed !== null) account.hostagesNamed += resolved.hostages;
      return;
    }
    case 'aid.delivered': {
      const { region, trucks, fuelTrucks = 0 } = event.data;
      const aid = w.child(w.root, 'aid');
      aid.trucks += trucks;
      aid.fuelTrucks += fuelTrucks;
      const byRegion = w.child(aid, 'byRegion');
      if (Object.hasOwn(byRegion, region)) {
        const r = w.child(byRegion, region);
        r.trucks += trucks;
        r.fuelTrucks += fuelTrucks;
      } else byRegion[region] = { trucks, fuelTrucks };
      const { attempt } = resolutionOf(decided, 'aid.delivered');
      if (attempt === null) return;
      const aidOwed = w.root.aidOwed;
      for (const i of w.index.aid(aidOwed, attempt)) {
        const owed = aidOwed[i];
        if (owed?.attempt !== attempt || owed.region !== region) continue;
        const counted = w.entry('aidOwed', i);
        counted.trucks += trucks;
        counted.fuelTrucks += fuelTrucks;
      }
      return;
    }
    case 'violation.reported': {
      const root = w.root;
      root.violations += 1;
      if (event.data.against !== undefined) {
        add(w.child(root, 'violationsAgainst'), event.data.against, 1);
      }
      return;
    }
    case 'flareup.reported': {
      const d = event.data;
      const root = w.root;
      w.list('flareUps').push({
        seq: event.seq,
        at: event.at,
        by: d.by,
        against: d.against ?? null,
        description: d.description,
        killed: d.killed ?? null,
        wounded: d.wounded ?? null,
        restoredAt: null,
      });
      root.strained = true;
      return;
    }
    case 'ceasefire.restored':
      restoreFlareUps(w, event.at);
      w.root.strained = false;
      return;
    case 'remains.returned':
      w.child(w.root, 'remains').returned += event.data.count;
      return;
    case 'demand.stated': {
      const d = event.data;
      w.list('demands').push({
        seq: event.seq,
        at: event.at,
        by: d.by,
        description: d.description,
      });
      if (d.terms) state(w, d.by, stanceOfTerms(d.terms), 'demand', null, event);
      return;
    }
    case 'forces.withdrawn':
      meetWhere(
        w,
        { kind: 'withdrawal', party: event.data.by, line: event.data.line },
        1,
        event.at,
      );
      return;
    case 'talks.started':
      meetWhere(w, { kind: 'talks', phase: event.data.phase }, 1, event.at);
      return;
    case 'phase.completed': {
      const { attempt } = resolutionOf(decided, 'phase.completed');
      const account = accountOf(w, attempt);
      if (account) account.completed = true;
      endAid(w, attempt, event.at);
      return;
    }
    case 'hostages.counted': {
      const hostages = w.child(w.root, 'hostages');
      hostages.held = { ...event.data.held };
      hostages.releasedAtCount = releasedTotal(hostages);
      hostages.deceasedAtCount = hostages.bodiesReturned;
      hostages.byCategoryAtCount = { ...hostages.byCategory };
      return;
    }
    case 'hostilities.resumed': {
      w.root.strained = false;
      restoreFlareUps(w, event.at);
      const resolved = resolutionOf(decided, 'hostilities.resumed');
      if (resolved.lapsed.length > 0) {
        const proposals = w.root.proposals;
        for (const order of resolved.lapsed) {
          if (proposals[order] !== undefined) w.entry('proposals', order).status = 'lapsed';
        }
      }
      if (resolved.ended !== null) endAid(w, resolved.ended, event.at);
      return;
    }
    case 'talks.suspended':
    case 'talks.resumed':
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`unhandled event ${(unreachable as TruceEvent).type}`);
    }
  }
}

/**
 * A principal's position: the summary's figures, then where it stated them. Written out field
 * by field, in the order a spread of the summary gives, because a spread into a literal with
 * more fields was the fold's slowest line.
 */
function position(
  s: TermsSummary,
  proposalId: string,
  stance: Position['stance'],
  phase: number | null,
  event: { seq: number; at: string },
): Position {
  return {
    permanentCeasefire: s.permanentCeasefire,
    pauseDays: s.pauseDays,
    phases: s.phases,
    hostages: s.hostages,
    prisoners: s.prisoners,
    aidTrucksPerDay: s.aidTrucksPerDay,
    proposalId,
    stance,
    phase,
    seq: event.seq,
    at: event.at,
  };
}

/** Every open flare-up ends at `at`. */
function restoreFlareUps(w: Writable, at: string): void {
  const flareUps = w.root.flareUps;
  for (const i of w.index.takeOpenFlareUps(flareUps)) {
    if (flareUps[i]?.restoredAt === null) w.entry('flareUps', i).restoredAt = at;
  }
}

/** The aid of phase attempt `attempt` stops being owed at `at`. */
function endAid(w: Writable, attempt: number, at: string): void {
  const aidOwed = w.root.aidOwed;
  for (const i of w.index.aid(aidOwed, attempt)) {
    if (aidOwed[i]?.attempt === attempt) w.entry('aidOwed', i).endedAt = at;
  }
}

/** Counts `item` toward every obligation the machine's rule says it counts toward. */
function towardObligations(
  w: Writable,
  attempt: number,
  what: 'hostages' | 'remains' | 'prisoners',
  item: { category: string; count: number },
  at: string,
): void {
  meetWhere(w, { kind: 'release', attempt, what, category: item.category }, item.count, at);
}

/** Counts `n` toward every obligation `step` counts toward (machines/obligations.ts decides). */
function meetWhere(w: Writable, step: ObligationStep, n: number, at: string): void {
  const obligations = w.root.obligations;
  if (step.kind !== 'release') {
    const found = w.index.stepGroup(obligations, step);
    if (found !== null) meetGroup(w, found.group, found.positions, step, n, at);
    return;
  }
  for (const i of w.index.obligationsOf(obligations, step)) {
    if (!countsToward(obligations[i] as ObligationProgress, step)) continue;
    const o = w.entry('obligations', i);
    o.fulfilled += n;
    if (o.metAt === null && o.fulfilled >= obligationTarget(o)) o.metAt = at;
  }
}

/**
 * {@link meetWhere} for a talks or withdrawal step, by its group ({@link FoldIndex.stepGroup}):
 * the machine is asked once per obligation whether the key's steps count toward it, the open
 * ones are counted at once (one may be met now), and the met ones, which a step only adds to,
 * are owed the count until {@link payOwed}. A million-event log has a hundred thousand such
 * steps, each counting toward dozens of met obligations: adding to each, step by step, was
 * two fifths of its fold.
 */
function meetGroup(
  w: Writable,
  group: StepGroup,
  positions: readonly number[],
  step: ObligationStep,
  n: number,
  at: string,
): void {
  const obligations = w.root.obligations;
  const joining: number[] = [];
  for (; group.seen < positions.length; group.seen++) {
    const i = positions[group.seen] as number;
    const o = obligations[i] as ObligationProgress;
    if (!countsToward(o, step)) continue;
    if (o.metAt === null) group.open.push(i);
    else {
      // Met before any step counted toward it (an obligation of nothing): counted as it joins.
      w.entry('obligations', i).fulfilled += n;
      joining.push(i);
    }
  }
  const open = group.open;
  let kept = 0;
  for (let k = 0; k < open.length; k++) {
    const i = open[k] as number;
    const o = w.entry('obligations', i);
    o.fulfilled += n;
    if (o.fulfilled >= obligationTarget(o)) {
      o.metAt = at;
      joining.push(i);
    } else open[kept++] = i;
  }
  open.length = kept;
  if (group.met.length > 0) {
    group.owed += n;
    w.index.owes(group);
  }
  if (joining.length > 0) {
    // The met ones are owed counts from before these joined: paid first.
    pay(w, group);
    group.met.push(...joining);
  }
}

/** Adds to each met obligation of `group` what it is owed. */
function pay(w: Writable, group: StepGroup): void {
  if (group.owed === 0) return;
  for (const i of group.met) w.entry('obligations', i).fulfilled += group.owed;
  group.owed = 0;
}

/** Pays every group the counts its met obligations are owed: before the projection is read. */
function payOwed(w: Writable): void {
  for (const group of w.index.takeOwing()) pay(w, group);
}

function state(
  w: Writable,
  party: string,
  terms: Partial<Record<StanceTerm, Stance['value'] | null | undefined>>,
  from: Stance['from'],
  proposalId: string | null,
  event: { seq: number; at: string },
): void {
  const all = w.child(w.root, 'stances');
  if (!Object.hasOwn(all, party)) all[party] = w.fresh({});
  const stances = w.child(all, party);
  // Its keys, not its entries: a pair an entry was made for every term of every stance.
  const named = Object.keys(terms) as StanceTerm[];
  for (let i = 0; i < named.length; i++) {
    const term = named[i] as StanceTerm;
    const value = terms[term];
    if (value === null || value === undefined) continue;
    stances[term] = { value, from, proposalId, seq: event.seq, at: event.at };
  }
}
