import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppError } from '@strongbox/kernel';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { httpErrors, PROBLEM_CONTENT_TYPE, problemOf, toAppError } from './problem.ts';
import { resolveTrace, type TraceContext, traceparentFor } from './trace.ts';

/**
 * Failures Node's HTTP parser meets before there is a request (a client too slow to send its request, a
 * header block past the size limit, bytes that are not HTTP), answered as problems like everything else.
 * Node gives only the socket here, so the answer is written by hand and the connection closed.
 *
 * @example
 * Fastify({ clientErrorHandler: answerClientError });
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const trace = resolveTrace({});
    const problem = problemOf(clientErrorOf(err.code), trace.traceId);
    const body = JSON.stringify(problem);
    socket.write(
      [
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}`,
        `content-type: ${PROBLEM_CONTENT_TYPE}`,
        `content-length: ${Buffer.byteLength(body)}`,
        `x-trace-id: ${trace.traceId}`,
        'connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  }
  socket.destroy();
}

function clientErrorOf(code: string | undefined): AppError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return httpErrors.request_timeout(
        'The request line, headers and body must arrive within the time limit',
      );
    case 'HPE_HEADER_OVERFLOW':
      return httpErrors.header_too_large('The request line and headers exceed the size limit');
    default:
      return httpErrors.malformed_request('The request is not valid HTTP');
  }
}

/**
 * Fastify's answers to a URL it cannot route (a path segment past maxParamLength, a bad percent-encoding)
 * as problems. They never echo the URL: it is what is wrong, and it may be long. Hooks have not run, so
 * the trace is resolved here.
 */
export function frameworkErrorHandler(traceOf: (request: FastifyRequest) => TraceContext) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const trace = traceOf(request);
    const error =
      err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? httpErrors.uri_too_long('A part of the path is too long')
        : err.code === 'FST_ERR_BAD_URL'
          ? httpErrors.malformed_request('The URL is not validly percent-encoded')
          : toAppError(err).error;
    return reply
      .code(error.status)
      .header('x-trace-id', trace.traceId)
      .header('traceparent', traceparentFor(trace))
      .type(PROBLEM_CONTENT_TYPE)
      .send(problemOf(error, trace.traceId));
  };
}
