import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type Logger, requestLogger } from './logger.ts';
import { resolveTrace, type TraceContext, traceparentFor } from './trace.ts';

declare module 'fastify' {
  interface FastifyRequest {
    traceId: string;
  }
}

type ChildLoggerFactory = (
  logger: FastifyBaseLogger,
  bindings: Parameters<FastifyBaseLogger['child']>[0],
  opts: NonNullable<Parameters<FastifyBaseLogger['child']>[1]>,
  rawReq: IncomingMessage,
) => FastifyBaseLogger;

/** Each request's trace, resolved once when Fastify makes the request's logger. */
export interface RequestTraces {
  /** For Fastify's `childLoggerFactory`: every line of the request carries its traceId. */
  readonly childLoggerFactory: ChildLoggerFactory;
  /** The request's trace (resolved now if the request never got a logger, as with a framework error). */
  of(request: FastifyRequest): TraceContext;
}

/**
 * The trace is resolved when Fastify makes the request's logger, so every line of the request (including
 * Fastify's own "incoming request" and "request completed") carries the traceId.
 */
export function requestTraces(): RequestTraces {
  const traces = new WeakMap<object, TraceContext>();
  return {
    childLoggerFactory: (logger, bindings, opts, rawReq) => {
      const trace = resolveTrace(rawReq.headers);
      traces.set(rawReq, trace);
      // requestLogger, not logger.child: the same bindings without pino's redaction walk per request.
      return requestLogger(
        logger as Logger,
        { ...bindings, traceId: trace.traceId },
        opts,
      ) as FastifyBaseLogger;
    },
    of: (request) => traces.get(request.raw) ?? resolveTrace(request.headers),
  };
}

/** Puts the trace id on the request (`request.traceId`) and echoes it as X-Trace-Id and traceparent. */
export const tracePlugin = fp<{ traces: RequestTraces }>(
  async (app, { traces }) => {
    app.decorateRequest('traceId', '');
    // Callback hooks here and in the other plugins of every request: an async one costs a promise and a
    // turn of the event loop for work that never waits.
    app.addHook('onRequest', (request, reply, done) => {
      const trace = traces.of(request);
      request.traceId = trace.traceId;
      void reply.header('x-trace-id', trace.traceId).header('traceparent', traceparentFor(trace));
      done();
    });
  },
  { name: 'strongbox-trace' },
);
