/**
 * "Due is always whole: per phase and category, ratio × hostages counted so far, rounded half up
 * (3.2 × 3 = 9.6 owes 10)" (README): the product of the ratio as written in the log (its
 * decimal digits) and a whole count, exactly, rounded half up. Exact where floating point is
 * not: 0.7 × 45 is 31.5 and owes 32, although `0.7 * 45` is 31.499999999999996.
 */
export function halfUp(ratio: number, count: number): number {
  const written = String(ratio);
  if (!/^\d+(\.\d+)?$/.test(written)) return Math.round(ratio * count);
  const [whole = '0', fraction = ''] = written.split('.');
  const scaled = BigInt(whole + fraction) * BigInt(count);
  const denominator = 10n ** BigInt(fraction.length);
  const quotient = scaled / denominator;
  const rest = scaled % denominator;
  return Number(quotient + (2n * rest >= denominator ? 1n : 0n));
}
