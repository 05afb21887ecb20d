#!/usr/bin/env node
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedCore } from './cachedScript.js';
import { invokedCommand } from './commands.js';

// The command line is bundled (scripts/build-cli.mjs): with --debug, stacks name the sources.
const debug = process.argv.includes('--debug');
if (debug) process.setSourceMapsEnabled(true);

// A command that reads or writes a log runs from the code-cached bundle beside this file, with
// the code cache of its kind (reads or writes), when the build made one (nothing else is loaded
// for it here); `--version`, `--help` and the other commands load what they use, chunk by
// chunk, and so does every command with --debug (Node applies no source map to a script run
// through node:vm).
const kind = debug ? undefined : invokedCommand(process.argv.slice(2))?.cached;
const cached =
  kind === undefined ? undefined : cachedCore(dirname(fileURLToPath(import.meta.url)), kind);
const main = cached ?? (await import('./core.js')).main;
process.exitCode = await main(process.argv);
