import { Type } from 'typebox';
import { ATTEMPTS_SHOWN_MAX } from '../domain/delivery.ts';
import { DESCRIPTION_LENGTH_MAX } from '../domain/endpoint.ts';
import { EVENT_TYPE_LENGTH_MAX, EVENT_TYPE_PATTERN, EVENT_TYPES_MAX } from '../domain/event-types.ts';
import { ATTEMPT_RESULTS } from '../domain/schedule.ts';
import { URL_LENGTH_MAX } from '../domain/target-url.ts';

/** Shapes shared by several webhook use cases. */
export const PAGE_SIZE_MAX = 100;
export const PAGE_SIZE_DEFAULT = 20;

export const Url = Type.String({ minLength: 1, maxLength: URL_LENGTH_MAX, description: 'https URL' });
export const EventTypes = Type.Array(
  Type.String({ pattern: EVENT_TYPE_PATTERN, maxLength: EVENT_TYPE_LENGTH_MAX }),
  {
    minItems: 1,
    maxItems: EVENT_TYPES_MAX,
    uniqueItems: true,
    description: 'Event types, prefix wildcards such as `balance.*`, or `*` for all',
  },
);
export const Description = Type.String({ maxLength: DESCRIPTION_LENGTH_MAX });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_SIZE_MAX, default: PAGE_SIZE_DEFAULT })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
};

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });

export const EndpointView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  eventTypes: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  status: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
  disabledReason: Nullable(Type.Union([Type.Literal('manual'), Type.Literal('failing')])),
  scope: Type.Union([Type.Literal('parties'), Type.Literal('all')], {
    description: '`parties`: events naming the owner among their parties; `all`: every event (staff)',
  }),
  ownerId: Type.String(),
  failingSince: Nullable(Timestamp),
  previousSecretExpiresAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const Secret = Type.String({
  description: 'Standard Webhooks signing secret (whsec_ + base64); answered only when it is created',
});
export const EndpointWithSecret = Type.Object({ ...EndpointView.properties, secret: Secret });

export const DeliveryView = Type.Object({
  id: Type.String(),
  endpointId: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  webhookId: Type.String({ description: 'The webhook-id header: the event id, the same on every retry' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  attemptCount: Type.Integer(),
  nextAttemptAt: Nullable(Timestamp),
  lastAttemptAt: Nullable(Timestamp),
  traceId: Nullable(Type.String()),
  createdAt: Timestamp,
});

export const AttemptView = Type.Object({
  id: Type.String(),
  number: Type.Integer(),
  attemptedAt: Timestamp,
  durationMs: Type.Integer(),
  result: Type.Union(ATTEMPT_RESULTS.map((r) => Type.Literal(r))),
  responseStatus: Nullable(Type.Integer()),
  responseBody: Nullable(Type.String({ description: 'At most the first 4 KiB of the answer' })),
  error: Nullable(Type.String()),
});

export const DeliveryDetail = Type.Object({
  ...DeliveryView.properties,
  payload: Type.Unknown({ description: 'The CloudEvent sent as the body' }),
  attempts: Type.Array(AttemptView, { maxItems: ATTEMPTS_SHOWN_MAX }),
});

export const Page = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ data: Type.Array(item), nextCursor: Nullable(Type.String()) });
