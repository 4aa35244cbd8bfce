import { defineErrors } from '@strongbox/kernel';

/** Identity's catalogue of expected failures; the HTTP edge turns each into a problem document. */
export const identityErrors = defineErrors({
  email_taken: { status: 409, title: 'Email already registered' },
  weak_password: { status: 400, title: 'The password is too weak' },
  invalid_credentials: { status: 401, title: 'Invalid email or password' },
  too_many_attempts: { status: 429, title: 'Too many failed attempts' },
  invalid_refresh_token: { status: 401, title: 'The refresh token is not valid' },
  refresh_token_reused: { status: 401, title: 'The refresh token was already used' },
  csrf_check_failed: { status: 403, title: 'The request did not come from the cabinet' },
  invalid_client: { status: 401, title: 'Invalid client credentials' },
  unsupported_grant_type: { status: 400, title: 'Unsupported grant type' },
  user_not_found: { status: 404, title: 'No such user' },
  unknown_role: { status: 422, title: 'No such role' },
  roles_empty: { status: 422, title: 'A user keeps at least one role' },
  last_admin_role: { status: 422, title: 'An admin cannot remove their own admin role' },
  totp_required: { status: 401, title: 'A TOTP code is required' },
  invalid_totp_code: { status: 401, title: 'The TOTP or recovery code is not valid' },
  totp_already_enrolled: { status: 409, title: 'TOTP is already enrolled' },
  totp_not_pending: { status: 409, title: 'No TOTP enrollment is waiting for confirmation' },
  totp_not_enrolled: { status: 409, title: 'TOTP is not enrolled' },
  session_not_found: { status: 404, title: 'No such session' },
  not_a_user: { status: 403, title: 'Only users have a second factor' },
});
