/**
 * The report's hostages, prisoners and pause without catalogue v2's keys (`stillHeld`,
 * `beyondDue`, `openEnded`), which the oracles do not model yet: those keys are judged by the
 * v2 rule tests, the v2 goldens and the obligations property until the oracles learn them.
 */
export function withoutV2Keys<
  R extends { hostages: object; prisoners: object; pause: object; aid: object },
>(report: R): { hostages: object; prisoners: object; pause: object; aid: object } {
  const { stillHeld: _held, ...hostages } = report.hostages as { stillHeld?: unknown };
  const { beyondDue: _beyond, ...prisoners } = report.prisoners as { beyondDue?: unknown };
  const { openEnded: _open, ...pause } = report.pause as { openEnded?: unknown };
  const { due: _due, ...aid } = report.aid as { due?: unknown };
  return { hostages, prisoners, pause, aid };
}
