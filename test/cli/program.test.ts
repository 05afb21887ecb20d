import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { truce } from './truce.js';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));

describe('truce', () => {
  it('--version prints the package version', () => {
    const run = truce(['--version']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${pkg.version}\n`);
  });

  it('--help lists the commands and exits 0', () => {
    const run = truce(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Usage: truce/);
    expect(run.stdout).toMatch(/validate \[options\] <log>/);
    expect(run.stdout).toMatch(/schema/);
  });

  it('validate --help describes the command', () => {
    const run = truce(['validate', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Usage: truce validate \[options\] <log>/);
  });

  it.each([
    ['no command', [], /Usage: truce/],
    ['an unknown command', ['bogus'], /unknown command 'bogus'/],
    ['an unknown option', ['validate', 'x.jsonl', '--frobnicate'], /unknown option '--frobnicate'/],
    ['a missing argument', ['validate'], /missing required argument 'log'/],
    ['an extra argument', ['validate', 'a.jsonl', 'b.jsonl'], /too many arguments/],
  ])('exits 2 on %s', (_name, args, message) => {
    const run = truce(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
