import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './fixtures.js';

describe('the inspector page source', () => {
  // The page is bundled by esbuild, which strips types without checking them.
  it('type-checks under its own strict tsconfig', () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(
      process.execPath,
      [tsc, '-p', join(root, 'inspector', 'page', 'tsconfig.json')],
      {
        encoding: 'utf8',
      },
    );
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 180_000);
});
