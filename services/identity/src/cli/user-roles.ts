/**
 * `npm run user:roles -- --email <email> --roles agent[,customer…]`: replaces a registered user's roles
 * from the database host, as PUT /v1/admin/users/{id}/roles does over HTTP, recorded in the same trail with
 * `cli` as the one who made the change. Useful for the first agent or operator, before any admin works in
 * the API.
 */
import { parseArgs } from 'node:util';
import { newId, systemClock } from '@strongbox/kernel';
import { normalizeEmail } from '../domain/password-policy.ts';
import { changeRoles, userIdByEmail } from '../infra/role-changes.ts';
import { openIdentityDatabase } from './database.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, roles: { type: 'string' } },
    strict: true,
  });
  const email = values.email?.trim() ?? '';
  const roles = (values.roles ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  if (email === '' || roles.length === 0) {
    console.error('user:roles: usage: npm run user:roles -- --email <email> --roles agent[,customer,…]');
    return 2;
  }
  const db = await openIdentityDatabase();
  try {
    const userId = await userIdByEmail(db.pool, normalizeEmail(email));
    if (!userId) {
      console.error(`user:roles: no user is registered with ${email}`);
      return 1;
    }
    const outcome = await changeRoles(db.pool, {
      changeId: newId('rlc', systemClock),
      userId,
      requested: roles,
      by: 'cli',
      traceId: undefined,
      at: systemClock.now(),
    });
    switch (outcome.kind) {
      case 'changed':
      case 'unchanged':
        console.log(`user:roles: ${email} (${userId}) has roles ${outcome.user.roles.join(', ')}`);
        return 0;
      case 'refused':
        console.error(`user:roles: ${outcome.detail}`);
        return 2;
      case 'not_found':
        console.error(`user:roles: no user is registered with ${email}`);
        return 1;
      default: {
        const unreachable: never = outcome;
        return unreachable;
      }
    }
  } finally {
    await db.close();
  }
}

process.exitCode = await main();
