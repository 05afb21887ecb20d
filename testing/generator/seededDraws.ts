import type { LogDraws } from './foldLog.js';
import type { Pick } from './nextEvents.js';

/**
 * A small fast generator of 32-bit numbers, sfc32 (Chris Doty-Humphrey's "small fast counting"
 * generator, PractRand), its state seeded from `seed` by a splitmix-style counter through
 * murmur3's finalizer: the same seed gives the
 * same numbers on every platform and Node version (only 32-bit integer arithmetic).
 */
export function sfc32(seed: number): () => number {
  let s = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
  const splitmix32 = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let d = splitmix32();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // The first numbers of a freshly seeded state are less mixed: skip them, as sfc32's author does.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/**
 * {@link LogDraws} from a seed: every choice and detail from one {@link sfc32} stream, so a
 * seed decides the whole log. Unbiased (a candidate's chance is its weight), unlike
 * fast-check's draws, which favour the edges to find bugs.
 *
 * @example
 * foldLog(seededDraws(7), { events: 1_000_000 });
 */
export function seededDraws(seed: number): LogDraws {
  const next = sfc32(seed);
  const pick: Pick = (max) => (max <= 1 ? 0 : Math.floor((next() / 2 ** 32) * max));
  return { choice: pick, detail: pick };
}
