import { ProblemRef } from '@strongbox/http';
import { parseLosslessJson } from '@strongbox/kernel';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { dealErrors } from '../../domain/errors.ts';
import type { DealsPorts } from '../../ports.ts';

/** The bank's notifications are small; anything larger is not one. */
export const NOTIFICATION_BODY_LIMIT_BYTES = 64 * 1024;
export const NOTIFICATION_ID_LENGTH_MAX = 200;
const NOTIFICATION_ID = /^[A-Za-z0-9._:-]{1,200}$/;
/** The headers kept with the raw body: what identifies, dates and signs it. */
const KEPT_HEADERS = ['content-type', 'user-agent', 'x-notification-id', 'x-timestamp', 'x-signature'];

const header = (request: FastifyRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
};

/** The notification's id: the bank's header, else the body's `notificationId`; '' when it names none. */
function notificationIdOf(request: FastifyRequest, raw: Buffer): string {
  const fromHeader = header(request, 'x-notification-id');
  if (fromHeader !== undefined) return NOTIFICATION_ID.test(fromHeader) ? fromHeader : '';
  try {
    // Lossless: the body's amounts are decimal rubles and must never pass through a float, even unread.
    const body = parseLosslessJson(raw.toString('utf8')) as { notificationId?: unknown } | null;
    const id = body?.notificationId;
    return typeof id === 'string' && NOTIFICATION_ID.test(id) ? id : '';
  } catch {
    return '';
  }
}

/**
 * The bank tells us what happened (a deal accepted, money in, a payout done). Every request is stored in
 * the insert-only log first, byte for byte with its signature verdict, and answered 200 once it is stored:
 * processing it is the bank worker's job, from the log. An authentic notification already logged is a
 * duplicate and answered 200 again; a missing, forged or stale signature is logged as such and answered 401.
 * The body is read as raw bytes, since the signature covers exactly what was sent.
 */
export function bankNotificationsRoute(app: FastifyInstance, ports: DealsPorts): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.post(
      '/v1/bank/notifications',
      {
        config: { auth: 'public' },
        bodyLimit: NOTIFICATION_BODY_LIMIT_BYTES,
        schema: {
          summary: 'Receive a signed notification from the bank',
          tags: ['bank'],
          security: [],
          response: {
            200: Type.Object({ received: Type.Boolean(), duplicate: Type.Boolean() }),
            400: ProblemRef,
            401: ProblemRef,
            413: ProblemRef,
          },
        },
      },
      async (request) => {
        const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const verdict = ports.verifyNotification({
          timestamp: header(request, 'x-timestamp'),
          signature: header(request, 'x-signature'),
          rawBody,
        });
        const notificationId = notificationIdOf(request, rawBody);
        if (verdict === 'authentic' && notificationId === '')
          throw dealErrors.notification_id_missing('Send X-Notification-Id or a body with notificationId');
        const headers: Record<string, string> = {};
        for (const name of KEPT_HEADERS) {
          const v = header(request, name);
          if (v !== undefined) headers[name] = v.slice(0, 1_000);
        }
        const { fresh } = await ports.receiveNotification({
          notificationId,
          verdict,
          headers,
          rawBody,
          traceId: request.traceId,
        });
        if (verdict !== 'authentic') throw dealErrors[verdict]();
        request.log.info({ notificationId, duplicate: !fresh }, 'bank notification stored');
        return { received: true, duplicate: !fresh };
      },
    );
  });
}
