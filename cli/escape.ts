/**
 * Control characters (C0, DEL, C1), and the invisible characters that reorder or break a line
 * (bidi overrides and isolates, line and paragraph separators), which must never reach a
 * terminal raw from a log: `\u001b]0;…\u0007` would retitle the window, `\r` overwrite a line.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from a log made safe to print on one terminal line: every control character shown as
 * an escape (`\x1b`, `\n`, `\u202e`), everything else as is. Used for everything the CLI prints
 * that a log can put words into: reports, status, timeline and error messages.
 *
 * @example
 * escapeText('Talks\u001b]0;PWNED\u0007'); // 'Talks\\x1b]0;PWNED\\x07'
 */
export function escapeText(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** The escape of one unsafe character. */
function escapeChar(char: string): string {
  switch (char) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default: {
      const code = char.charCodeAt(0);
      return code < 0x100
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`;
    }
  }
}

/** {@link UNSAFE} but the line feed: what {@link escapeLines} escapes inside each line. */
const UNSAFE_IN_LINE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * {@link escapeText} for each line of a text of whole lines, keeping its line ends: one pass
 * over the whole text (a report of a long deal is a hundred thousand lines).
 */
export function escapeLines(text: string): string {
  return text.replace(UNSAFE_IN_LINE, escapeChar);
}
