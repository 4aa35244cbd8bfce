import { setTimeout as sleep } from 'node:timers/promises';
import type { Sim } from '../infra/sim.ts';

/** How often a hanging call looks at the sandbox's clock. */
export const HANG_POLL_MS = 10;

/**
 * Holds a call for `ms` of the sandbox's time, so a test releases it by moving the clock (POST
 * /_sim/clock) instead of waiting; the same span of the host's time bounds it, so a frozen clock never
 * holds a call forever.
 */
export async function hang(sim: Sim, ms: number): Promise<void> {
  const untilMs = sim.clock.now().getTime() + ms;
  const hostUntilMs = Date.now() + ms;
  while (sim.clock.now().getTime() < untilMs && Date.now() < hostUntilMs) await sleep(HANG_POLL_MS);
}
