#!/usr/bin/env node
import { Command } from 'commander';
import { registerAppend } from './append.js';
import { registerDb } from './db.js';
import { registerExport } from './export.js';
import { registerImport } from './import.js';
import { registerInit } from './init.js';
import { registerInspect } from './inspect.js';
import { registerReplay } from './replay.js';
import { run } from './run.js';
import { registerSchema } from './schema.js';
import { closeOpenLogs } from './source.js';
import { registerValidate } from './validate.js';
import { packageVersion } from './version.js';

const program = new Command('truce')
  .description('An event-sourced state machine for phased ceasefire and exchange negotiations')
  .version(packageVersion(), '-V, --version', 'print the version')
  .helpOption('-h, --help', 'print help')
  .option('--debug', 'print stack traces of errors')
  .showHelpAfterError('(run truce --help for usage)')
  .exitOverride();

// One line per command: each file adds its own subcommand.
registerAppend(program);
registerDb(program);
registerExport(program);
registerImport(program);
registerInit(program);
registerInspect(program);
registerReplay(program);
registerSchema(program);
registerValidate(program);

process.exitCode = await run(program, process.argv);
await closeOpenLogs();
