import { TruceError } from '../../events/index.js';

const STREAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/**
 * Checks a `--stream` name: 1–128 letters, digits and `_ . : / -`, starting with a letter or a
 * digit. Throws a usage error (exit 2) otherwise.
 *
 * @example
 * parseStreamName('november-2023'); // 'november-2023'
 */
export function parseStreamName(text: string): string {
  if (!STREAM_NAME.test(text)) {
    throw new TruceError(
      'USAGE',
      `--stream expects a name of 1 to 128 letters, digits and _ . : / - (starting with a letter or digit), such as november-2023, found ${JSON.stringify(text.length > 140 ? `${text.slice(0, 137)}…` : text)}`,
    );
  }
  return text;
}

/**
 * A stream name taken from a file's name: `examples/november-2023.jsonl` gives `november-2023`.
 * Characters a stream name cannot hold become `-`.
 *
 * @example
 * streamNameOf('logs/Talks 2024.jsonl'); // 'Talks-2024'
 */
export function streamNameOf(file: string): string {
  const base = (file.split(/[\\/]/).pop() ?? '').replace(/\.(jsonl|ndjson|json|log|txt)$/i, '');
  const cleaned = base
    .replace(/[^A-Za-z0-9._:/-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
  return cleaned === '' ? 'log' : cleaned;
}
