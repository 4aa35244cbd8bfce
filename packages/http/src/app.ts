import swagger from '@fastify/swagger';
import { AppError } from '@strongbox/kernel';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { bearerToken, hasAnyRole, type Principal, type Role, type TokenVerifier } from './auth.ts';
import { answerClientError, frameworkErrorHandler } from './client-errors.ts';
import { guardInput } from './input-guard.ts';
import { createMetrics } from './metrics.ts';
import { httpErrors, sendProblem, toAppError } from './problem.ts';
import { cachingVerifier } from './token-cache.ts';
import { resolveTrace, type TraceContext, traceparentFor } from './trace.ts';
import { strictValidator } from './validation.ts';

export const BODY_LIMIT_BYTES_DEFAULT = 256 * 1024;
/** A request whose line, headers and body have not all arrived this long after it began is cut with 408. */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * How often Node looks for requests past their timeout. Node's default (30 s) lets a slow request live up to
 * twice its timeout; a check each second keeps the cut close to REQUEST_TIMEOUT_MS.
 */
export const TIMEOUT_CHECK_INTERVAL_MS_MAX = 1_000;
export const READY_CHECK_TIMEOUT_MS = 2_000;
/** Paths every service serves for operators; they are public and kept out of the API document. */
export const OPS_PATHS = ['/health', '/ready', '/metrics', '/openapi.json'] as const;

declare module 'fastify' {
  interface FastifyRequest {
    traceId: string;
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /** `public` routes need no token; otherwise a token is required and, if given, one of these roles. */
    auth?: 'public' | { roles: readonly Role[] };
  }
}

export interface HttpAppOptions {
  readonly service: string;
  readonly version: string;
  readonly logger: Logger;
  /**
   * Verifies bearer tokens; a service without one (none today) would serve only public routes. Tokens
   * already verified are remembered until they expire (cachingVerifier).
   */
  readonly verifier?: TokenVerifier;
  /** Limits how many refused tokens a caller may send (the gateway's per-address budget). */
  readonly tokenChecks?: TokenCheckBudget;
  /** Named dependency checks for `/ready`; each must answer within READY_CHECK_TIMEOUT_MS. */
  readonly readiness?: Record<string, () => Promise<void>>;
  readonly bodyLimitBytes?: number;
  /** Default REQUEST_TIMEOUT_MS; tests set it small to see a slow request cut. */
  readonly requestTimeoutMs?: number;
  readonly description?: string;
  /**
   * Addresses of proxies whose X-Forwarded-For is believed (Fastify's trustProxy), so that per-IP limits
   * see the caller rather than the gateway. Default: none.
   */
  readonly trustProxy?: string | string[];
  /** A service's own metric registries (prom-client), served at /metrics after the HTTP ones. */
  readonly metrics?: ReadonlyArray<{ metrics(): Promise<string> }>;
  /** The document served at /openapi.json; by default this service's own routes (the gateway merges all). */
  readonly openapi?: () => Promise<unknown>;
}

/**
 * Every refused token cost a signature check, so a caller sending forged tokens spends our CPU at no cost
 * of its own; a budget counts refusals and stops checking for a caller past it.
 */
export interface TokenCheckBudget {
  /** Runs before a token's signature is checked (not for a token already verified); throws to refuse. */
  beforeCheck(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Runs after a token was refused. */
  refused(request: FastifyRequest): Promise<void>;
}

/**
 * The one way a service gets an HTTP server: strict schemas, problem+json errors, trace ids, auth,
 * health, readiness, metrics and the OpenAPI document, all wired the same everywhere.
 *
 * @example
 * const app = await createHttpApp({ service: 'identity', version: '0.1.0', logger, verifier });
 * app.get('/v1/me', { schema }, handler);
 */
export async function createHttpApp(opts: HttpAppOptions): Promise<FastifyInstance> {
  // The trace is resolved when Fastify makes the request's logger, so every line of the request (including
  // Fastify's own "incoming request" and "request completed") carries the traceId.
  const traces = new WeakMap<object, TraceContext>();
  const requestTimeoutMs = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const app = Fastify({
    loggerInstance: opts.logger,
    childLoggerFactory: (logger, bindings, childOpts, rawReq) => {
      const trace = resolveTrace(rawReq.headers);
      traces.set(rawReq, trace);
      return logger.child({ ...bindings, traceId: trace.traceId }, childOpts);
    },
    bodyLimit: opts.bodyLimitBytes ?? BODY_LIMIT_BYTES_DEFAULT,
    trustProxy: opts.trustProxy ?? false,
    // Node times the headers apart (60 s by default) and checks both only every 30 s: one limit for the
    // whole request, checked often, is what cuts an idle or trickling client at the documented time.
    requestTimeout: requestTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS_MAX, requestTimeoutMs),
    },
    clientErrorHandler: answerClientError,
    frameworkErrors: frameworkErrorHandler(
      (request) => traces.get(request.raw) ?? resolveTrace(request.headers),
    ),
    requestIdHeader: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }) as unknown as FastifyInstance;

  app.setValidatorCompiler(strictValidator());
  guardInput(app);
  app.decorateRequest('traceId', '');
  app.decorateRequest('principal', undefined);
  const metrics = createMetrics(opts.service);
  const verifier = opts.verifier ? cachingVerifier(opts.verifier) : undefined;

  app.addHook('onRequest', async (request, reply) => {
    const trace = traces.get(request.raw) ?? resolveTrace(request.headers);
    request.traceId = trace.traceId;
    void reply.header('x-trace-id', trace.traceId).header('traceparent', traceparentFor(trace));
  });

  app.addHook('onRequest', async (request, reply) => {
    const rule = request.routeOptions.config.auth;
    if (rule === 'public' || request.routeOptions.url === undefined) return;
    const token = bearerToken(request.headers.authorization);
    if (!token) throw httpErrors.unauthenticated('Send an access token as Authorization: Bearer <token>');
    if (!verifier) throw httpErrors.unauthenticated('This service accepts no tokens');
    const budget = opts.tokenChecks;
    try {
      request.principal = await verifier.verify(token, budget && (() => budget.beforeCheck(request, reply)));
    } catch (err) {
      if (budget && err instanceof AppError && err.status === 401) await budget.refused(request);
      throw err;
    }
    if (rule && !hasAnyRole(request.principal, rule.roles)) {
      throw httpErrors.forbidden(`This needs one of the roles: ${rule.roles.join(', ')}`);
    }
  });

  // Node's server.close() waits for keep-alive connections that were busy when it began; telling those
  // clients to close after their answer lets shutdown finish instead of waiting out the keep-alive timeout.
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (draining) void reply.header('connection', 'close');
  });

  app.addHook('onResponse', async (request, reply) => {
    metrics.requestDuration
      .labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err, request, reply) => {
    const { error, bug } = toAppError(err as Error);
    if (bug) request.log.error({ err }, 'unhandled error');
    else if (error.status >= 500)
      request.log.warn({ code: error.code, detail: error.message }, 'request failed');
    if (error.status === 401) void reply.header('www-authenticate', `Bearer error="${error.code}"`);
    return sendProblem(request, reply, error);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      httpErrors.route_not_found(`${request.method} ${request.url.split('?')[0]} does not exist`),
    ),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `Strongbox ${opts.service}`,
        version: opts.version,
        description: opts.description ?? '',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearer: [] }],
    },
  });

  const pub = { config: { auth: 'public' as const }, schema: { hide: true } };
  app.get('/health', pub, async () => ({ status: 'ok', service: opts.service }));
  app.get('/ready', pub, async (request, reply) => {
    const checks = await runChecks(opts.readiness ?? {});
    const failed = Object.entries(checks).filter(([, v]) => v !== 'ok');
    if (failed.length === 0) return { status: 'ready', checks };
    request.log.warn({ checks }, 'not ready');
    return sendProblem(
      request,
      reply,
      httpErrors.not_ready(`Not ready: ${failed.map(([k]) => k).join(', ')}`),
    );
  });
  app.get('/metrics', pub, async (_request, reply) =>
    reply
      .type(metrics.registry.contentType)
      .send(
        [
          await metrics.registry.metrics(),
          ...(await Promise.all((opts.metrics ?? []).map((r) => r.metrics()))),
        ].join('\n'),
      ),
  );
  app.get('/openapi.json', pub, async () => (opts.openapi ? await opts.openapi() : app.swagger()));

  return app;
}

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
