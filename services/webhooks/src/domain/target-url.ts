/**
 * The shape a webhook URL must have before its host is even looked up. Whether the host may be reached
 * (and whether plain http is allowed for it) depends on DNS and on WEBHOOK_ALLOWED_HOSTS, which the
 * infrastructure checks (infra/address-policy.ts).
 */
export const URL_LENGTH_MAX = 2_048;

export type UrlShape =
  | { readonly ok: true; readonly url: URL }
  | { readonly ok: false; readonly problem: string };

export function checkUrlShape(raw: string): UrlShape {
  if (raw.length > URL_LENGTH_MAX)
    return { ok: false, problem: `is longer than ${URL_LENGTH_MAX} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: 'is not an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, problem: 'must use https' };
  // Credentials in a URL would be stored and shown in plain text; receivers authenticate us by signature.
  if (url.username !== '' || url.password !== '')
    return { ok: false, problem: 'must not contain credentials' };
  if (url.hash !== '') return { ok: false, problem: 'must not contain a fragment' };
  if (url.hostname === '') return { ok: false, problem: 'has no host' };
  return { ok: true, url };
}
