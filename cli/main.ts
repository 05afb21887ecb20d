#!/usr/bin/env node
import { closeOpenLogs } from './openLogs.js';
import { truceProgram } from './program.js';
import { run } from './run.js';

// The command line is bundled (scripts/build-cli.mjs): with --debug, stacks name the sources.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);

const program = await truceProgram(process.argv.slice(2));
process.exitCode = await run(program, process.argv);
await closeOpenLogs();
