import type { Logger } from '@strongbox/http';
import type { Clock } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import type { BackgroundWorker, ServiceParts } from '@strongbox/service';
import { buildApp, type SandboxDeps, sandboxTick } from './app.ts';
import type { SandboxConfig } from './config.ts';
import { createSim } from './infra/sim.ts';

/** The sandbox's settings as buildApp takes them, from its configuration. */
export function sandboxDeps(kit: {
  config: SandboxConfig;
  pool: Pool;
  logger: Logger;
  clock: Clock;
}): SandboxDeps {
  const { config } = kit;
  const sim = createSim(kit.clock);
  sim.reset(config.BANK_SIM_SEED);
  return {
    pool: kit.pool,
    logger: kit.logger,
    sim,
    token: config.BANK_API_TOKEN,
    settings: {
      nominalAccount: config.BANK_NOMINAL_ACCOUNT,
      scoringDelayMs: config.BANK_SCORING_DELAY_MS,
      paymentStepMs: config.BANK_PAYMENT_STEP_MS,
    },
    limits: {
      defaultPerS: config.BANK_RATE_LIMIT_PER_S,
      selfEmployedPerS: config.BANK_SELF_EMPLOYED_RATE_LIMIT_PER_S,
      off: config.BANK_RATE_LIMITS === 'off',
    },
    notifications: {
      url: config.BANK_NOTIFICATION_URL,
      secrets: config.BANK_NOTIFICATION_SECRET,
      retryBaseMs: config.BANK_NOTIFICATION_RETRY_BASE_MS,
    },
  };
}

/**
 * The bank's own time as a worker: one round every `tickMs`, never two at once (a slow round, a receiver
 * timing out, delays the next one); stopping waits for the round in hand.
 */
export function tickWorker(deps: SandboxDeps, tickMs: number): BackgroundWorker {
  const tick = sandboxTick(deps);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  const schedule = () => {
    timer = setTimeout(() => {
      round = tick()
        .then(() => undefined)
        .catch((err: unknown) => deps.logger.warn({ err }, 'sandbox round failed'))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, tickMs);
  };
  return {
    start: schedule,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}

/** Everything the sandbox runs: its API and the timer that moves scorings, payments and notifications on. */
export async function sandboxParts(kit: {
  config: SandboxConfig;
  pool: Pool;
  logger: Logger;
  clock: Clock;
}): Promise<ServiceParts> {
  const deps = sandboxDeps(kit);
  return { app: await buildApp(deps), workers: [tickWorker(deps, kit.config.BANK_TICK_MS)] };
}
