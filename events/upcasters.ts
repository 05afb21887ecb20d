import type { EventType } from './catalogue.js';

/** Turns the payload of one schema version of a type into the next version's payload. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/** The schema version each type has in catalogue v1. */
export const CURRENT_VERSION = 1;

/**
 * Upcasters keyed by `(type, v)`: each lifts a payload written at version `v` to `v + 1`,
 * so a log written by an older truce still reads.
 *
 * @example
 * const upcasters = new UpcasterRegistry().register('aid.delivered', 0, (d) => ({
 *   region: d.region,
 *   trucks: d.count,
 * }));
 */
export class UpcasterRegistry {
  readonly #byKey = new Map<string, Upcaster>();

  /** Adds the step from version `from` of `type` to version `from + 1`. */
  register(type: EventType, from: number, upcaster: Upcaster): this {
    this.#byKey.set(key(type, from), upcaster);
    return this;
  }

  /**
   * Lifts `data` from version `v` to the current version, one registered step at a time.
   * Returns an error sentence when a step is missing or the version is newer than this truce.
   */
  upcast(
    type: EventType,
    v: number,
    data: Record<string, unknown>,
  ): { ok: true; data: Record<string, unknown> } | { ok: false; message: string } {
    if (v > CURRENT_VERSION) {
      return {
        ok: false,
        message: `expected version ${CURRENT_VERSION} or older of ${type}, found ${v} (written by a newer truce?)`,
      };
    }
    let current = data;
    for (let version = v; version < CURRENT_VERSION; version++) {
      const step = this.#byKey.get(key(type, version));
      if (!step) {
        return { ok: false, message: `no upcaster from version ${version} of ${type}` };
      }
      current = step(current);
    }
    return { ok: true, data: current };
  }
}

function key(type: string, v: number): string {
  return `${type}@${v}`;
}

/** The upcasters truce ships: none yet, since every type is at its first version. */
export const defaultUpcasters = new UpcasterRegistry();
