import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { RESPONSE_BODY_KEPT_BYTES } from '../domain/delivery.ts';
import type { AttemptResult } from '../domain/schedule.ts';
import { bareHost } from './address-policy.ts';
import type { ResolvedAddress } from './target-check.ts';

/** A 2xx must arrive within this long (issue 4); tests inject a shorter one. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface SendOutcome {
  readonly result: AttemptResult;
  readonly responseStatus: number | null;
  readonly responseBody: string | null;
  readonly error: string | null;
}

/**
 * POSTs one webhook to the address the SSRF check vetted. The socket's `lookup` answers that address
 * instead of asking DNS again, so a name re-pointed between the check and the connection (DNS rebinding)
 * cannot redirect the request; TLS still verifies the certificate against the URL's host name.
 * Redirects are never followed (node:http does not follow them), and no connection is pooled or reused.
 * At most RESPONSE_BODY_KEPT_BYTES of the answer are read; the rest is discarded with the socket.
 */
export function sendWebhook(req: {
  url: URL;
  address: ResolvedAddress;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}): Promise<SendOutcome> {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: req.address.address, family: req.address.family }]);
    else callback(null, req.address.address, req.address.family);
  };
  const body = Buffer.from(req.body, 'utf8');
  const client = req.url.protocol === 'https:' ? https : http;
  return new Promise<SendOutcome>((resolve) => {
    let settled = false;
    let status: number | null = null;
    const chunks: Buffer[] = [];
    let kept = 0;
    const finish = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(outcome);
    };
    const answered = (): SendOutcome => {
      const code = status ?? 0;
      const text = storable(Buffer.concat(chunks).subarray(0, RESPONSE_BODY_KEPT_BYTES).toString('utf8'));
      const ok = code >= 200 && code < 300;
      return {
        result: ok ? 'succeeded' : 'http_status',
        responseStatus: code,
        responseBody: text,
        error: ok ? null : code >= 300 && code < 400 ? 'redirects are not followed' : `answered ${code}`,
      };
    };
    const request = client.request({
      method: 'POST',
      protocol: req.url.protocol,
      hostname: bareHost(req.url.hostname),
      port: req.url.port === '' ? undefined : Number(req.url.port),
      path: `${req.url.pathname}${req.url.search}`,
      headers: { ...req.headers, 'content-length': String(body.length) },
      lookup,
      agent: false,
    });
    // Once the status line has arrived the endpoint has answered; a body still trickling in at the deadline
    // does not turn that answer into a timeout.
    const timer = setTimeout(
      () =>
        finish(
          status === null
            ? {
                result: 'timeout',
                responseStatus: null,
                responseBody: null,
                error: `no answer within ${req.timeoutMs} ms`,
              }
            : answered(),
        ),
      req.timeoutMs,
    );
    request.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < RESPONSE_BODY_KEPT_BYTES) {
          chunks.push(chunk);
          kept += chunk.length;
        }
        if (kept >= RESPONSE_BODY_KEPT_BYTES) finish(answered());
      });
      res.on('end', () => finish(answered()));
      res.on('error', () => finish(answered()));
    });
    request.on('error', (err: NodeJS.ErrnoException) =>
      finish(
        status === null
          ? { result: 'connection_error', responseStatus: null, responseBody: null, error: describe(err) }
          : answered(),
      ),
    );
    request.end(body);
  });
}

function describe(err: NodeJS.ErrnoException): string {
  return storable(err.code ? `${err.code}: ${err.message}` : err.message);
}

/**
 * PostgreSQL text cannot hold NUL. An endpoint answering one must not make its attempt unrecordable (the
 * delivery would then be retried at every lease without ever being settled).
 */
function storable(text: string): string {
  return text.replaceAll('\u0000', '\ufffd');
}
