import { join } from 'node:path';

/** One broken log per rule, named after the code it breaks: `release.exceedsTerms.jsonl`. */
export const brokenDir = join(import.meta.dirname, 'broken');
