import type { StoredResponse } from '@strongbox/kernel';
import type { SecretBox } from './secret-box.ts';

/**
 * Creating an endpoint and rotating its secret answer with the secret, and the Idempotency-Key store keeps
 * that answer (24 hours at least) to replay it. Kept as it is, the secret would sit in plain text in
 * idempotency_keys; so its `secret` field is sealed like the endpoint's own (ADR 0027) before the answer
 * is stored, and opened again when it is sent.
 */
const CONTEXT = 'idempotency';

export interface SealedAnswers {
  seal(response: StoredResponse): StoredResponse;
  open(response: StoredResponse): StoredResponse;
}

export function sealedAnswers(box: SecretBox): SealedAnswers {
  const mapSecret = (response: StoredResponse, f: (s: string) => string): StoredResponse => {
    const body: unknown = JSON.parse(response.body);
    if (typeof body !== 'object' || body === null || !('secret' in body) || typeof body.secret !== 'string')
      return response;
    return { ...response, body: JSON.stringify({ ...body, secret: f(body.secret) }) };
  };
  return {
    seal: (response) => mapSecret(response, (s) => box.seal(s, CONTEXT)),
    open: (response) => mapSecret(response, (s) => box.open(s, CONTEXT)),
  };
}
