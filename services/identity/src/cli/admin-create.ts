/**
 * `npm run admin:create -- --email <email> --password <password> [--name <name>]`: creates an admin, or
 * makes an existing user an admin with the given password. Admins are never created by an open endpoint.
 */
import { parseArgs } from 'node:util';
import { newId, systemClock } from '@strongbox/kernel';
import { normalizeEmail, passwordProblems } from '../domain/password-policy.ts';
import { hashPassword } from '../infra/passwords.ts';
import { upsertAdmin } from '../infra/users.ts';
import { openIdentityDatabase } from './database.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
    strict: true,
  });
  const email = values.email?.trim() ?? '';
  const password = values.password ?? '';
  if (!EMAIL.test(email)) {
    console.error('admin:create: --email must be an email address');
    return 2;
  }
  const problems = passwordProblems(password, email);
  if (problems.length > 0) {
    console.error(`admin:create: --password ${problems.map((p) => p.message).join('; ')}`);
    return 2;
  }
  const db = await openIdentityDatabase();
  try {
    const user = await upsertAdmin(db.pool, {
      id: newId('usr', systemClock),
      email,
      emailNormalized: normalizeEmail(email),
      name: values.name ?? 'Administrator',
      passwordHash: await hashPassword(password),
      at: systemClock.now(),
    });
    console.log(`admin:create: ${user.email} (${user.id}) has roles ${user.roles.join(', ')}`);
    return 0;
  } finally {
    await db.close();
  }
}

process.exitCode = await main();
