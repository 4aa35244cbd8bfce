import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import type { TokenVerifier } from './auth.ts';
import { authPlugin, type TokenCheckBudget } from './auth-plugin.ts';
import { answerClientError, frameworkErrorHandler } from './client-errors.ts';
import { drainPlugin } from './drain-plugin.ts';
import { type ForwardingPolicy, forwarding } from './forwarding.ts';
import { guardInput } from './input-guard.ts';
import { metricsPlugin } from './metrics-plugin.ts';
import { opsRoutes } from './ops-routes.ts';
import { problemPlugin } from './problem-plugin.ts';
import { requestTraces, tracePlugin } from './trace-plugin.ts';
import { strictValidator } from './validation.ts';

export type { TokenCheckBudget } from './auth-plugin.ts';
export { READY_CHECK_TIMEOUT_MS } from './ops-routes.ts';

export const BODY_LIMIT_BYTES_DEFAULT = 256 * 1024;
/** A request whose line, headers and body have not all arrived this long after it began is cut with 408. */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * How often Node looks for requests past their timeout. Node's default (30 s) lets a slow request live up to
 * twice its timeout; a check each second keeps the cut close to REQUEST_TIMEOUT_MS.
 */
export const TIMEOUT_CHECK_INTERVAL_MS_MAX = 1_000;
/**
 * Sent on every answer over HTTPS (never over plain HTTP, where a browser ignores it anyway): browsers then
 * refuse plain HTTP to this host and its subdomains for a year.
 */
export const HSTS_HEADER_VALUE = 'max-age=31536000; includeSubDomains';
/** Paths every service serves for operators; they are public and kept out of the API document. */
export const OPS_PATHS = ['/health', '/ready', '/metrics', '/openapi.json'] as const;

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
   * Whose X-Forwarded-For sets `request.ip`, so that per-address limits see the caller rather than the
   * gateway (ADR 0021). Default: nobody's.
   */
  readonly forwarding?: ForwardingPolicy;
  /** A service's own metric registries (prom-client), served at /metrics after the HTTP ones. */
  readonly metrics?: ReadonlyArray<{ metrics(): Promise<string> }>;
  /** The document served at /openapi.json; by default this service's own routes (the gateway merges all). */
  readonly openapi?: () => Promise<unknown>;
  /** Serve HTTPS with this certificate chain and private key (PEM), and send HSTS; plain HTTP without. */
  readonly https?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /**
   * Registered after the trace id and before the token check: for hooks that must answer a request no
   * token comes with (the gateway's CORS preflights, which browsers send without credentials).
   */
  readonly beforeAuth?: FastifyPluginAsync;
}

/**
 * The one way a service gets an HTTP server: strict schemas, problem+json errors, trace ids, auth,
 * health, readiness, metrics and the OpenAPI document, all wired the same everywhere. Each concern is a
 * plugin of its own beside this file; this function only composes them.
 *
 * @example
 * const app = await createHttpApp({ service: 'identity', version: '0.1.0', logger, verifier });
 * app.get('/v1/me', { schema }, handler);
 */
export async function createHttpApp(opts: HttpAppOptions): Promise<FastifyInstance> {
  const traces = requestTraces();
  const forwarded = forwarding(opts.forwarding ?? { kind: 'none' });
  const requestTimeoutMs = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const serverTimeouts = {
    requestTimeout: requestTimeoutMs,
    headersTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS_MAX, requestTimeoutMs),
  };
  const app = Fastify({
    loggerInstance: opts.logger,
    // The first code to see each request: forwarded headers nobody vouches for are gone before Fastify
    // logs "incoming request" with the caller's address, earlier than any hook could run.
    childLoggerFactory: (logger, bindings, childOpts, rawReq) => {
      forwarded.admit(rawReq);
      return traces.childLoggerFactory(logger, bindings, childOpts, rawReq);
    },
    bodyLimit: opts.bodyLimitBytes ?? BODY_LIMIT_BYTES_DEFAULT,
    trustProxy: forwarded.trustProxy,
    // Node times the headers apart (60 s by default) and checks both only every 30 s: one limit for the
    // whole request, checked often, is what cuts an idle or trickling client at the documented time.
    requestTimeout: requestTimeoutMs,
    // Fastify hands `https` (when set) to https.createServer instead of `http`: the same limits go in both.
    ...(opts.https
      ? { https: { ...serverTimeouts, cert: opts.https.cert, key: opts.https.key } }
      : { http: serverTimeouts }),
    clientErrorHandler: answerClientError,
    frameworkErrors: frameworkErrorHandler(traces.of),
    requestIdHeader: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }) as unknown as FastifyInstance;

  app.setValidatorCompiler(strictValidator());
  guardInput(app);
  // First of all hooks, so that every answer over HTTPS carries it, refusals and preflights included.
  if (opts.https)
    app.addHook('onRequest', (_request, reply, done) => {
      reply.header('strict-transport-security', HSTS_HEADER_VALUE);
      done();
    });
  // Hooks run in registration order: the trace id first, so that an auth failure's problem carries it.
  await app.register(tracePlugin, { traces });
  // Not encapsulated: its hooks apply to every route, the ones registered after it included.
  if (opts.beforeAuth) await app.register(fp(opts.beforeAuth, { name: 'strongbox-before-auth' }));
  await app.register(authPlugin, {
    verifier: opts.verifier,
    tokenChecks: opts.tokenChecks,
    staffTotpRequired: opts.verifier?.staffTotpRequired ?? false,
  });
  await app.register(drainPlugin);
  await app.register(metricsPlugin, { service: opts.service, registries: opts.metrics ?? [] });
  await app.register(problemPlugin);
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
  await app.register(opsRoutes, {
    service: opts.service,
    readiness: opts.readiness ?? {},
    openapi: opts.openapi,
  });
  return app;
}
