import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bankErrors } from '../domain/errors.ts';
import { takesTimeout } from '../domain/faults.ts';
import { type Bucket, take } from '../domain/rate-limit.ts';
import type { Sim } from '../infra/sim.ts';
import { bankErrorHandler, bankNotFound, sendBankError } from './bank-errors.ts';
import { stringifyBank } from './bank-json.ts';
import { hang } from './hang.ts';
import { useLosslessBodies } from './lossless-body.ts';

export interface RateLimits {
  /** Requests a second per method (HTTP method and path template). */
  readonly defaultPerS: number;
  /** The self-employed API's lower limit. */
  readonly selfEmployedPerS: number;
  /** No call is limited at all (BANK_RATE_LIMITS=off, for benchmarks that measure the platform, not the bank). */
  readonly off?: boolean;
}

/**
 * Makes the current (encapsulated) scope speak as the bank: lossless bodies with amounts in kopecks,
 * answers with amounts in rubles, the bank's error shape, its per-method rate limits, and the faults
 * of /_sim/ that act on every call (latency, 429 bursts, timeouts and 500s before or after the effect).
 */
export function speakAsBank(app: FastifyInstance, sim: Sim, limits: RateLimits): void {
  useLosslessBodies(app);
  app.setReplySerializer((payload) => (typeof payload === 'string' ? payload : stringifyBank(payload)));
  // Response schemas document the API; answers are always written by stringifyBank (kopecks as rubles).
  app.setSerializerCompiler(() => (data) => stringifyBank(data));
  app.setErrorHandler(bankErrorHandler);

  const buckets = new Map<string, Bucket>();
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    // The test controls are never limited or failed: a test must always be able to switch a fault off.
    if (route.startsWith('/_sim/')) return undefined;
    const method = `${request.method} ${route}`;
    if (!limits.off) {
      const perS = method.includes('/self-employed') ? limits.selfEmployedPerS : limits.defaultPerS;
      const got = take(buckets.get(method), sim.clock.now().getTime(), perS);
      buckets.set(method, got.bucket);
      if (!got.allowed) return tooMany(reply, got.retryAfterS);
    }
    const f = sim.faults;
    if (f.burst429 > 0) {
      f.burst429--;
      return tooMany(reply, 1);
    }
    if (f.latencyMs > 0) await sleep(f.latencyMs);
    // A timeout: the call hangs past any client's patience, before its effect (then 504, nothing done)
    // or after it (the effect committed, the answer held back).
    if (takesTimeout(f, sim.random)) {
      if (f.timeoutWhen === 'before') {
        await hang(sim, f.timeoutMs);
        return sendBankError(reply, bankErrors.GATEWAY_TIMEOUT('Simulated timeout before the effect'));
      }
      (request as { hangAfterMs?: number }).hangAfterMs = f.timeoutMs;
    }
    // Only calls that change something are failed on purpose: those are what a client must retry safely.
    if (request.method !== 'GET' && f.errorRate > 0 && sim.random() < f.errorRate) {
      if (f.errorWhen === 'before')
        return sendBankError(reply, bankErrors.INTERNAL_ERROR('Simulated failure before the effect'));
      (request as { failAfter?: boolean }).failAfter = true;
    }
    return undefined;
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    const hangMs = (request as { hangAfterMs?: number }).hangAfterMs;
    if (hangMs !== undefined) await hang(sim, hangMs);
    return payload;
  });
  // The effect has committed (and its Idempotency-Key answer with it); the client only sees a 500.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!(request as { failAfter?: boolean }).failAfter || reply.statusCode >= 400) return payload;
    void reply.code(500).type('application/json; charset=utf-8');
    return stringifyBank({
      errorId: crypto.randomUUID(),
      errorMessage: 'Simulated failure after the effect',
      errorCode: 'INTERNAL_ERROR',
      errorDetails: null,
    });
  });
}

function tooMany(reply: FastifyReply, retryAfterS: number) {
  return sendBankError(
    reply,
    bankErrors.TOO_MANY_REQUESTS('The rate limit of this method is exceeded', {
      headers: { 'retry-after': String(retryAfterS) },
    }),
  );
}

/** Unknown paths under the bank's prefixes answer 404 in the bank's shape (Fastify keeps 404s per prefix). */
export async function bankNotFoundUnder(app: FastifyInstance, prefixes: readonly string[]): Promise<void> {
  for (const prefix of prefixes) {
    await app.register(
      async (scope) => {
        scope.setNotFoundHandler(bankNotFound);
      },
      { prefix },
    );
  }
}
