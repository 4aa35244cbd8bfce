import { AppError } from '@strongbox/kernel';
import fp from 'fastify-plugin';
import { httpErrors, sendProblem } from './problem.ts';

export const READY_CHECK_TIMEOUT_MS = 2_000;

export interface OpsRoutesOptions {
  readonly service: string;
  /** Named dependency checks for `/ready`; each must answer within READY_CHECK_TIMEOUT_MS. */
  readonly readiness: Record<string, () => Promise<void>>;
  /** The document served at /openapi.json; by default this service's own routes. */
  readonly openapi: (() => Promise<unknown>) | undefined;
}

/** `/health`, `/ready` and `/openapi.json`: public, and kept out of the API document. */
export const opsRoutes = fp<OpsRoutesOptions>(
  async (app, opts) => {
    const pub = { config: { auth: 'public' as const }, schema: { hide: true } };
    app.get('/health', pub, async () => ({ status: 'ok', service: opts.service }));
    app.get('/ready', pub, async (request, reply) => {
      const checks = await runChecks(opts.readiness);
      const failed = Object.entries(checks).filter(([, v]) => v !== 'ok');
      if (failed.length === 0) return { status: 'ready', checks };
      request.log.warn({ checks }, 'not ready');
      return sendProblem(
        request,
        reply,
        httpErrors.not_ready(`Not ready: ${failed.map(([k]) => k).join(', ')}`),
      );
    });
    app.get('/openapi.json', pub, async () => (opts.openapi ? await opts.openapi() : app.swagger()));
  },
  { name: 'strongbox-ops-routes' },
);

async function runChecks(checks: Record<string, () => Promise<void>>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), READY_CHECK_TIMEOUT_MS);
        return [name, 'ok'] as const;
      } catch (err) {
        return [name, err instanceof AppError ? err.code : 'failed'] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
