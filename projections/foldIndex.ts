import { type ObligationStep, obligationKey, stepKey } from '../machines/index.js';
import type { FlareUp, ObligationProgress } from './ceasefire.js';
import type { AidAccount } from './deal.js';

const NONE: readonly number[] = [];

/**
 * The obligations a talks or withdrawal step counts toward, as a fold keeps them for all the
 * steps of one key (see {@link FoldIndex.stepGroup}).
 */
export interface StepGroup {
  /** How many of the positions filed under the key were looked at. */
  seen: number;
  /** Positions of the obligations the step counts toward that are not met yet, in order. */
  open: number[];
  /** Positions of the met ones the step counts toward: each is owed `owed` more. */
  met: number[];
  owed: number;
  /** Listed among the groups owing counts (until {@link FoldIndex.takeOwing}). */
  owing: boolean;
}

/**
 * Where a fold finds what an event touches in the projection's long lists, instead of reading
 * every entry at every event: the obligations a step may count toward (by the machine's
 * `obligationKey`), the aid accounts of a phase attempt, and the flare-ups not yet restored. A
 * million-event log has tens of thousands of flare-ups and thousands of obligations; scanning
 * them all per event was two thirds of its replay.
 *
 * The lists are append-only (a fold pushes to them and changes fields of their entries, never
 * removes, reorders or re-keys one), so each index covers the list up to where it last looked
 * and files the entries added since when asked again. The index belongs to one
 * {@link ProjectionFolder}'s fold and is never part of the projection: a folder resumed from a
 * snapshot builds it from the lists on first use. It only narrows where to look; whether an
 * entry is touched is still decided entry by entry, as before.
 */
export class FoldIndex {
  readonly #obligations = new Map<string, number[]>();
  #obligationsSeen = 0;
  readonly #aid = new Map<number, number[]>();
  #aidSeen = 0;
  /** Positions of the flare-ups whose `restoredAt` is null, in list order. */
  #openFlareUps: number[] = [];
  #flareUpsSeen = 0;

  /** The groups of talks and withdrawal steps met so far, by the machine's `stepKey`. */
  readonly #groups = new Map<string, StepGroup>();
  /** The groups whose met obligations are owed counts. */
  #owing: StepGroup[] = [];

  /** The machine's `stepKey` of each release step met so far, by attempt and what it releases. */
  readonly #releaseKeys = new Map<number, Map<string, string>>();

  /**
   * Positions in `list` of the obligations `step` may count toward (filed under the machine's
   * `stepKey` of it), in order. A release's key is made once per phase attempt and kind:
   * building it again for every category of every release, and hashing the new string, was
   * most of what finding them cost.
   */
  obligationsOf(list: readonly ObligationProgress[], step: ObligationStep): readonly number[] {
    if (list.length === 0) return NONE;
    if (step.kind !== 'release') return this.obligations(list, stepKey(step));
    let keys = this.#releaseKeys.get(step.attempt);
    if (keys === undefined) {
      keys = new Map();
      this.#releaseKeys.set(step.attempt, keys);
    }
    let key = keys.get(step.what);
    if (key === undefined) {
      key = stepKey(step);
      keys.set(step.what, key);
    }
    return this.obligations(list, key);
  }

  /**
   * The group of a talks or withdrawal step, and the positions filed under its key, or null when
   * none is. Such a step is all in its key (`stepKey` writes each of its fields): every step of
   * one key counts toward the same obligations, so the fold asks the machine once per obligation
   * and adds to the met ones in one sum, at the next hand-out ({@link takeOwing}).
   */
  stepGroup(
    list: readonly ObligationProgress[],
    step: Exclude<ObligationStep, { kind: 'release' }>,
  ): { group: StepGroup; positions: readonly number[] } | null {
    if (list.length === 0) return null;
    const key = stepKey(step);
    const positions = this.obligations(list, key);
    if (positions.length === 0) return null;
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = { seen: 0, open: [], met: [], owed: 0, owing: false };
      this.#groups.set(key, group);
    }
    return { group, positions };
  }

  /** Lists `group` among those owing their met obligations counts, once until {@link takeOwing}. */
  owes(group: StepGroup): void {
    if (group.owing) return;
    group.owing = true;
    this.#owing.push(group);
  }

  /** The groups owing counts since the last call, forgotten here: the caller pays them. */
  takeOwing(): StepGroup[] {
    const owing = this.#owing;
    this.#owing = [];
    for (const group of owing) group.owing = false;
    return owing;
  }

  /** Positions in `list` of the obligations filed under `key` (`stepKey` of a step), in order. */
  obligations(list: readonly ObligationProgress[], key: string): readonly number[] {
    for (; this.#obligationsSeen < list.length; this.#obligationsSeen++) {
      file(
        this.#obligations,
        obligationKey(list[this.#obligationsSeen] as ObligationProgress),
        this.#obligationsSeen,
      );
    }
    return this.#obligations.get(key) ?? NONE;
  }

  /** Positions in `list` of the aid accounts of phase attempt `attempt`, in order. */
  aid(list: readonly AidAccount[], attempt: number): readonly number[] {
    for (; this.#aidSeen < list.length; this.#aidSeen++) {
      file(this.#aid, (list[this.#aidSeen] as AidAccount).attempt, this.#aidSeen);
    }
    return this.#aid.get(attempt) ?? NONE;
  }

  /**
   * Positions in `list` of the flare-ups not restored, in order, and forgets them: the caller
   * restores every one (a restoration or resumed fighting ends every open flare-up).
   */
  takeOpenFlareUps(list: readonly FlareUp[]): number[] {
    for (; this.#flareUpsSeen < list.length; this.#flareUpsSeen++) {
      if ((list[this.#flareUpsSeen] as FlareUp).restoredAt === null) {
        this.#openFlareUps.push(this.#flareUpsSeen);
      }
    }
    const open = this.#openFlareUps;
    this.#openFlareUps = [];
    return open;
  }
}

function file<K>(index: Map<K, number[]>, key: K, position: number): void {
  const positions = index.get(key);
  if (positions === undefined) index.set(key, [position]);
  else positions.push(position);
}
