import fp from 'fastify-plugin';
import { httpErrors, sendProblem, toAppError } from './problem.ts';

/**
 * Every error and every unknown route answers RFC 9457 problem+json. A bug (anything not an AppError) is
 * logged as an error; an expected 5xx as a warning; 4xx answers are the caller's business and not logged.
 */
export const problemPlugin = fp(
  async (app) => {
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
  },
  { name: 'strongbox-problem' },
);
