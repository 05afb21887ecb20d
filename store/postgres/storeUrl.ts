import { TruceError } from '../../events/index.js';

/** A checked PostgreSQL connection URL, with the form of it that may be shown. */
export interface StoreUrl {
  /** The URL as given, password included: only ever handed to the driver. */
  readonly url: string;
  /** The URL with its password (and any `password` parameter) replaced by `***`. */
  readonly redacted: string;
  /** The secrets in the URL, so that a driver's message can be cleaned of them. */
  readonly secrets: readonly string[];
}

const EXAMPLE = 'postgresql://user:password@localhost:5432/truce';

/**
 * Checks a `--store` URL: `postgresql://` or `postgres://`, a host (or a `host=` socket folder)
 * and a port that is a number. Throws a usage error (exit 2) naming what is wrong, without the
 * password.
 *
 * @example
 * parseStoreUrl('postgresql://truce:s3cret@db.example.org/truce').redacted;
 * // 'postgresql://truce:***@db.example.org/truce'
 */
export function parseStoreUrl(text: string): StoreUrl {
  const shown = redactUrl(text);
  const fail = (why: string): never => {
    throw new TruceError(
      'USAGE',
      `--store expects a PostgreSQL URL such as ${EXAMPLE}, found "${shown}": ${why}`,
    );
  };
  if (!/^postgres(ql)?:\/\//i.test(text)) {
    fail(
      /^[a-z][a-z0-9+.-]*:\/\//i.test(text)
        ? 'only postgresql:// URLs are supported'
        : 'it does not start with postgresql://',
    );
  }
  const authority = text.slice(text.indexOf('//') + 2).split(/[?#]/, 1)[0] ?? '';
  if ((authority.match(/@/g) ?? []).length > 1) {
    fail('write an @, / or : in the user name or password percent-encoded (%40, %2F, %3A)');
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('it is not a valid URL');
  }
  if (url.port !== '' && !/^\d{1,5}$/.test(url.port)) fail('the port is not a number');
  const socketHost = url.searchParams.get('host');
  if (url.hostname === '' && !socketHost) {
    fail('it names no host (write localhost, or ?host=/path/to/socket/folder)');
  }
  const secrets: string[] = [];
  const add = (secret: string) => {
    if (secret === '') return;
    secrets.push(secret);
    try {
      const decoded = decodeURIComponent(secret);
      if (decoded !== secret) secrets.push(decoded);
    } catch {
      // A malformed escape is kept as written.
    }
  };
  add(url.password);
  for (const [key, value] of url.searchParams) if (/pass/i.test(key)) add(value);
  return { url: text, redacted: shown, secrets };
}

/**
 * The URL with its password replaced by `***`, also in `password=` parameters; best effort on
 * text that is not a URL at all (anything between `//user:` and `@` is hidden).
 *
 * @example
 * redactUrl('postgresql://me:pw@host/db?password=pw'); // 'postgresql://me:***@host/db?password=***'
 */
export function redactUrl(text: string): string {
  return text
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@')
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):.*@(?=[^@]*$)/i, '$1:***@')
    .replace(/([?&][^=&#]*pass[^=&#]*=)[^&#]*/gi, '$1***');
}

/**
 * `text` with every secret of `url` replaced by `***`: applied to every message a driver or a
 * server gives before truce shows it.
 *
 * @example
 * redactSecrets('auth failed for s3cret', parseStoreUrl('postgresql://u:s3cret@h/d')); // 'auth failed for ***'
 */
export function redactSecrets(text: string, url: StoreUrl): string {
  let out = text;
  // Longest first, so a secret that contains another is hidden whole.
  for (const secret of [...url.secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('***');
  }
  return out;
}
