import type { Hash } from 'node:crypto';
import { createRequire } from 'node:module';

// node:crypto takes about 2 ms to load (its ciphers, keys and certificates come with it), and
// a command that reads no checkpoint cache and takes no lock hashes nothing: it is required
// when first used, not when these modules are imported (docs/decisions.md, "The command
// line's cold start"). Node 20.12, the oldest truce runs on, has no `process.getBuiltinModule`.
const requireBuiltin = createRequire(import.meta.url);
let crypto: typeof import('node:crypto') | undefined;
const loaded = (): typeof import('node:crypto') => {
  crypto ??= requireBuiltin('node:crypto') as typeof import('node:crypto');
  return crypto;
};

/**
 * `node:crypto`'s `createHash`, the module loaded at the first call.
 *
 * @example
 * const hex = createHash('sha256').update(bytes).digest('hex');
 */
export function createHash(algorithm: string): Hash {
  return loaded().createHash(algorithm);
}

/**
 * `node:crypto`'s `randomBytes` (synchronous), the module loaded at the first call.
 *
 * @example
 * const suffix = randomBytes(6).toString('hex');
 */
export function randomBytes(size: number): Buffer {
  return loaded().randomBytes(size);
}

/**
 * `node:crypto`'s `randomUUID`, the module loaded at the first call.
 *
 * @example
 * const id = randomUUID();
 */
export function randomUUID(): string {
  return loaded().randomUUID();
}
