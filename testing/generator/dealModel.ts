import type { PhaseTerms, Terms, TruceEvent } from '../../events/index.js';

/**
 * An independent model of the deal, written from the README ("The rules the statechart
 * enforces", "The JSON report") and docs/decisions.md, never from machines/ or projections/:
 * the oracles and the legal-log generator judge the machine with it, so a rule the machine gets
 * wrong and this model gets right shows up as a disagreement. It folds legal events only; which
 * events are legal is what the properties ask the machine.
 */

/** How the model sees a proposal: `lapsed` when fighting resumed while it was live. */
export type ModelStatus = 'live' | 'rejected' | 'superseded' | 'lapsed';

/** A proposal and who accepted what ("proposal.accepted" for all, "phase.accepted" for one). */
export interface ModelProposal {
  proposalId: string;
  terms: Terms;
  status: ModelStatus;
  acceptedAll: string[];
  acceptedPhases: Record<string, number[]>;
}

/** The phase in force: its terms and what has been counted against them. */
export interface ModelPhase {
  phase: number;
  proposalId: string;
  terms: PhaseTerms;
  /** Hostages counted under the deal in this phase, per category. */
  released: Record<string, number>;
  extensionDays: number;
  extensionHostages: number;
}

/** The hostages a phase's terms allow: per category (undefined: no limit) and in all. */
export interface Allowance {
  perCategory: Record<string, number | undefined>;
  /** Undefined when some category is named without a count. */
  total: number | undefined;
}

/** Reads an own property only: categories and party ids are free words. */
export function ownValue<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * "A category the terms name without a count is not limited": a category is capped at the sum
 * of the counts the terms give it, unless one of its entries has none; the total likewise.
 */
export function allowanceOf(terms: PhaseTerms): Allowance {
  const perCategory: Record<string, number | undefined> = {};
  const open = new Set<string>();
  let total: number | undefined = 0;
  for (const { category, count } of terms.hostages) {
    if (count === undefined) {
      open.add(category);
      total = undefined;
    } else if (total !== undefined) {
      total += count;
    }
    perCategory[category] = (ownValue(perCategory, category) ?? 0) + (count ?? 0);
  }
  for (const category of open) perCategory[category] = undefined;
  return { perCategory, total };
}

/** Whether `by` accepted `phase` of `p`, with the whole proposal or that phase alone. */
export function acceptedBy(
  p: {
    readonly acceptedAll: readonly string[];
    readonly acceptedPhases: Readonly<Record<string, readonly number[]>>;
  },
  by: string,
  phase: number,
): boolean {
  return p.acceptedAll.includes(by) || (ownValue(p.acceptedPhases, by) ?? []).includes(phase);
}

/** Hostages an extension brings: as stated, else days × the rule's hostagesPerDay, else 0. */
export function broughtBy(terms: PhaseTerms, days: number, stated: number | undefined): number {
  if (stated !== undefined) return stated;
  return terms.extension ? days * terms.extension.hostagesPerDay : 0;
}

/** The sum of a record's values. */
export function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

/** Options of {@link DealModel}. */
export interface DealModelOptions {
  /**
   * Forget a proposal once it is rejected, superseded or lapsed (no legal event names it again),
   * so that `proposals` holds the live ones only and a long log folds in flat memory and time
   * (`truce generate`). The oracles keep every proposal, for the report's statuses.
   */
  forgetClosed?: boolean;
}

/**
 * The deal as the README tells it, folded event by event: the state path, the parties, the
 * proposals, the phase in force and its counts. Mutable; {@link DealModel.apply} takes events
 * the machine accepted.
 */
export class DealModel {
  /** The state path as `truce replay --json` prints it. */
  state = 'unopened';
  parties: Record<string, { role: 'principal' | 'mediator' | 'third-party' }> = {};
  principals: string[] = [];
  proposals: ModelProposal[] = [];
  /** The last phase started (0 before any), the report's `phase`. */
  phase = 0;
  /** The last phase completed of the deal in force; a collapse starts the deal again at 1. */
  completedPhases = 0;
  inProgress: ModelPhase | null = null;
  /** A completed phase's pause holds while talks go on, until a phase starts or fighting resumes. */
  pauseHolding = false;
  /** Hostages released outside the deal and not yet recounted under it. */
  outsideNotRecounted = 0;
  /** Whether the last phase of an end-of-war deal completed. */
  concluded = false;
  /**
   * The last phase of a concluded deal: "late returns of remains" count toward it ("After a
   * permanent ceasefire", README).
   */
  concludedPhase: ModelPhase | null = null;
  /** A flare-up not yet followed by `ceasefire.restored` (or a collapse). */
  strained = false;
  /** How many proposals were sent (`proposals` may have forgotten some: {@link DealModelOptions}). */
  proposalsSent = 0;
  readonly #forgetClosed: boolean;

  constructor(options: DealModelOptions = {}) {
    this.#forgetClosed = options.forgetClosed ?? false;
  }

  /** The phase the talks are about: the one after the last completed. */
  get nextPhase(): number {
    return this.completedPhases + 1;
  }

  /**
   * The proposal whose `phase` every principal accepted, among the live ones: the first sent
   * when two qualify (the order of the log decides, docs/decisions.md).
   */
  agreedFor(phase: number): ModelProposal | undefined {
    return this.proposals.find(
      (p) =>
        p.status === 'live' &&
        p.terms.phases.length >= phase &&
        this.principals.every((by) => acceptedBy(p, by, phase)),
    );
  }

  /** Folds one event the machine accepted. */
  apply(event: TruceEvent): void {
    switch (event.type) {
      case 'negotiation.opened':
        for (const p of event.data.parties) {
          this.parties[p.id] = { role: p.role };
          if (p.role === 'principal') this.principals.push(p.id);
        }
        this.state = 'negotiating';
        break;
      case 'proposal.sent': {
        const { proposalId, terms, replaces } = event.data;
        const old = this.proposals.find((p) => p.proposalId === replaces);
        if (old) old.status = 'superseded';
        this.proposals.push({
          proposalId,
          terms,
          status: 'live',
          acceptedAll: [],
          acceptedPhases: {},
        });
        this.proposalsSent++;
        if (old) this.#forget();
        if (this.state === 'collapsed') this.state = 'negotiating';
        break;
      }
      case 'proposal.accepted':
        this.#proposal(event.data.proposalId).acceptedAll.push(event.data.by);
        break;
      case 'phase.accepted': {
        const p = this.#proposal(event.data.proposalId);
        p.acceptedPhases[event.data.by] = [
          ...(ownValue(p.acceptedPhases, event.data.by) ?? []),
          event.data.phase,
        ];
        break;
      }
      case 'proposal.rejected':
        this.#proposal(event.data.proposalId).status = 'rejected';
        this.#forget();
        break;
      case 'phase.started': {
        const phase = event.data.phase;
        const p = this.agreedFor(phase);
        const terms = p?.terms.phases[phase - 1];
        if (!p || !terms) throw new Error(`model: phase ${phase} started without agreement`);
        this.phase = phase;
        this.pauseHolding = false;
        this.inProgress = {
          phase,
          proposalId: p.proposalId,
          terms,
          released: {},
          extensionDays: 0,
          extensionHostages: 0,
        };
        this.state = 'inPhase';
        break;
      }
      case 'release.completed':
        this.#count(event.data.hostages ?? [], this.concludedPhase ?? undefined);
        for (const o of event.data.outsideDeal ?? []) this.outsideNotRecounted += o.count;
        break;
      case 'release.recounted':
        this.#count(event.data.hostages);
        for (const h of event.data.hostages) this.outsideNotRecounted -= h.count;
        break;
      case 'pause.extended': {
        const progress = this.#inForce();
        progress.extensionDays += event.data.days;
        progress.extensionHostages += broughtBy(
          progress.terms,
          event.data.days,
          event.data.hostages,
        );
        break;
      }
      case 'phase.completed': {
        const progress = this.#inForce();
        const p = this.#proposal(progress.proposalId);
        this.completedPhases = progress.phase;
        this.inProgress = null;
        this.pauseHolding = true;
        if (p.terms.permanentCeasefire && p.terms.phases.length === progress.phase) {
          this.concluded = true;
          this.concludedPhase = progress;
          this.state = 'concluded';
        } else {
          this.state = 'negotiating';
        }
        break;
      }
      case 'hostilities.resumed':
        this.inProgress = null;
        this.pauseHolding = false;
        this.strained = false;
        this.completedPhases = 0;
        for (const p of this.proposals) if (p.status === 'live') p.status = 'lapsed';
        this.#forget();
        this.state = 'collapsed';
        break;
      case 'talks.suspended':
        this.state = 'negotiating.suspended';
        break;
      case 'talks.resumed':
        this.state = 'negotiating';
        break;
      case 'flareup.reported':
        this.strained = true;
        break;
      case 'ceasefire.restored':
        this.strained = false;
        break;
      case 'aid.delivered':
      case 'violation.reported':
      case 'hostages.counted':
      case 'remains.returned':
      case 'demand.stated':
      case 'forces.withdrawn':
      case 'talks.started':
        break;
      default: {
        const unreachable: never = event;
        throw new Error(`model: unknown event ${(unreachable as TruceEvent).type}`);
      }
    }
    this.#settle();
  }

  /** The transitions that need no event: negotiating ⇄ agreed as agreement comes and goes. */
  #settle(): void {
    const top = this.state.split('.')[0];
    if (this.state === 'negotiating.suspended') return;
    if (top === 'negotiating' || top === 'agreed') {
      const next = this.nextPhase;
      if (this.agreedFor(next)) this.state = 'agreed';
      else if (this.proposals.some((p) => p.status === 'live' && p.terms.phases.length >= next)) {
        this.state = 'negotiating.proposalOnTable';
      } else this.state = 'negotiating.awaitingProposal';
    }
  }

  #forget(): void {
    if (this.#forgetClosed) this.proposals = this.proposals.filter((p) => p.status === 'live');
  }

  #proposal(id: string): ModelProposal {
    const p = this.proposals.find((x) => x.proposalId === id);
    if (!p) throw new Error(`model: no proposal ${id}`);
    return p;
  }

  #inForce(): ModelPhase {
    if (!this.inProgress) throw new Error('model: no phase in progress');
    return this.inProgress;
  }

  #count(hostages: ReadonlyArray<{ category: string; count: number }>, late?: ModelPhase): void {
    const progress = this.inProgress ?? late ?? this.#inForce();
    for (const h of hostages) {
      progress.released[h.category] = (ownValue(progress.released, h.category) ?? 0) + h.count;
    }
  }
}
