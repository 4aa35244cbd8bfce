import type { Clock } from './clock.ts';
import { newId } from './ids.ts';

/**
 * A CloudEvents 1.0 event in structured JSON mode (brief §5). `data` holds JSON only: money travels as a
 * JSON number of minor units (≤ 2^53 − 1), never as a bigint, which JSON cannot carry.
 *
 * @example
 * cloudEvent({ service: 'balance', type: 'balance.transfer.posted', subject: 'tr_…', data, traceId }, clock)
 */
export interface CloudEvent<T = unknown> {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly data: T;
  /** Extension attribute carrying the request's trace id end to end (lowercase, as CloudEvents requires). */
  readonly traceid?: string;
  /**
   * Extension attribute: the ids of the users the event is about (comma-separated, since extension values
   * are strings), so subscribers such as webhooks can show customers only events about their own objects.
   */
  readonly parties?: string;
}

export function cloudEvent<T>(
  e: {
    service: string;
    type: string;
    subject: string;
    data: T;
    traceId?: string;
    parties?: readonly string[];
  },
  clock: Clock,
): CloudEvent<T> {
  return {
    specversion: '1.0',
    id: newId('evt', clock),
    source: `/strongbox/${e.service}`,
    type: e.type,
    subject: e.subject,
    time: clock.now().toISOString(),
    datacontenttype: 'application/json',
    data: e.data,
    ...(e.traceId ? { traceid: e.traceId } : {}),
    ...(e.parties && e.parties.length > 0 ? { parties: [...new Set(e.parties)].join(',') } : {}),
  };
}
