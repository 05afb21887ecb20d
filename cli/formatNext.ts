import type { NextEvent } from '../machines/index.js';

/**
 * The events the current state takes, one per line, with the machine's verdict where the deal
 * fixes the event's data: what `truce replay --next` and `truce status --next` print.
 *
 * @example
 * formatNext('agreed', replayer.next());
 * // next events in state agreed (from the statechart):
 * //   phase.started        now: phase.started {"phase":1} is legal
 */
export function formatNext(state: string, next: readonly NextEvent[]): string {
  if (next.length === 0) return `no event can follow in state ${state}\n`;
  const width = Math.max(...next.map((n) => n.type.length));
  const lines = next.map((n) => {
    const name = `  ${n.type.padEnd(width)}`;
    if (n.now === null) return name.trimEnd();
    return n.now.allowed
      ? `${name}  now: ${n.now.event} is legal`
      : `${name}  now: ${n.now.event} is refused (${n.now.rule}: ${n.now.message})`;
  });
  return `next events in state ${state} (from the statechart):\n${lines.join('\n')}\n`;
}
