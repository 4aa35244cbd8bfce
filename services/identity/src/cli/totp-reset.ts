/**
 * `npm run user:totp-reset -- --email <email>`: removes a user's authenticator and recovery codes from
 * the database host, for someone who lost both the device and the codes. Their next login asks for the
 * password only; staff must then enroll again before staff routes answer them (ADR 0026). The identity
 * check of the person asking is the operator's, outside this tool (docs/runbooks/identity-operations.md).
 */
import { parseArgs } from 'node:util';
import { normalizeEmail } from '../domain/password-policy.ts';
import { userIdByEmail } from '../infra/role-changes.ts';
import { removeTotp } from '../infra/totp.ts';
import { openIdentityDatabase } from './database.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { email: { type: 'string' } }, strict: true });
  const email = values.email?.trim() ?? '';
  if (email === '') {
    console.error('user:totp-reset: usage: npm run user:totp-reset -- --email <email>');
    return 2;
  }
  const db = await openIdentityDatabase();
  try {
    const userId = await userIdByEmail(db.pool, normalizeEmail(email));
    if (!userId) {
      console.error(`user:totp-reset: no user is registered with ${email}`);
      return 1;
    }
    await removeTotp(db.pool, userId);
    console.log(`user:totp-reset: ${email} (${userId}) has no authenticator; they sign in with the password`);
    return 0;
  } finally {
    await db.close();
  }
}

process.exitCode = await main();
