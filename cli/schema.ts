import type { Command } from 'commander';
import { logLineJsonSchema } from '../events/index.js';

/**
 * Adds `truce schema`: prints the JSON Schema (draft 2020-12) of one log line.
 *
 * @example
 * registerSchema(program); // truce schema > log-line.schema.json
 */
export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema (draft 2020-12) of one log line')
    .action(() => {
      process.stdout.write(`${JSON.stringify(logLineJsonSchema(), null, 2)}\n`);
    });
}
