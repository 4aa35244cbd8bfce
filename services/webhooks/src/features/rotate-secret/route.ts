import { callerOf, IdempotencyHeaders, IdParams, ProblemRef } from '@strongbox/http';
import { jsonResponse } from '@strongbox/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { webhookErrors } from '../../domain/errors.ts';
import { ROTATION_GRACE_MS_DEFAULT, ROTATION_GRACE_MS_MAX, rotated } from '../../domain/secrets.ts';
import type { WebhooksPorts } from '../../ports.ts';
import { accessibleEndpoint, replyIdempotently } from '../http.ts';
import { Secret } from '../schemas.ts';

const Body = Type.Union([
  Type.Object(
    {
      graceSeconds: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: ROTATION_GRACE_MS_MAX / 1000,
          description: 'How long the old secret keeps signing beside the new one (default 24 h)',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

const Answer = Type.Object({
  id: Type.String(),
  secret: Secret,
  previousSecretExpiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** Issues a new signing secret; the old one keeps signing too until the grace period ends. */
export function rotateSecretRoute(app: FastifyInstance, ports: WebhooksPorts): void {
  app.post<{ Params: { id: string }; Body: { graceSeconds?: number } | null | undefined }>(
    '/v1/webhooks/endpoints/:id/rotate-secret',
    {
      schema: {
        summary: 'Rotate the signing secret of a webhook endpoint',
        tags: ['webhooks'],
        headers: IdempotencyHeaders,
        params: IdParams,
        body: Body,
        response: { 200: Answer, 400: ProblemRef, 404: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const graceMs =
        request.body?.graceSeconds === undefined
          ? ROTATION_GRACE_MS_DEFAULT
          : request.body.graceSeconds * 1000;
      return await replyIdempotently(request, reply, ports, async (store) => {
        const e = await accessibleEndpoint(store, caller, request.params.id);
        const now = ports.clock.now();
        const updated = await store.setSecrets(e.id, rotated(e, ports.newSecret(), now, graceMs), now);
        if (!updated) throw webhookErrors.endpoint_not_found(`No endpoint ${request.params.id}`);
        request.log.info({ endpointId: e.id, graceMs }, 'webhook secret rotated');
        return jsonResponse(200, {
          id: updated.id,
          secret: updated.secret,
          previousSecretExpiresAt: updated.previousSecretExpiresAt?.toISOString() ?? null,
        });
      });
    },
  );
}
