/**
 * `npm run admin:create -- --email <email> [--name <name>]`: creates an admin, or makes an existing user
 * an admin with the given password. The password is one line of standard input, typed (not echoed) or
 * piped: on the command line `ps` would show it to every user of the machine. Admins are never created
 * by an open endpoint.
 */
import { parseArgs } from 'node:util';
import { newId, systemClock } from '@strongbox/kernel';
import { normalizeEmail, passwordProblems } from '../domain/password-policy.ts';
import { hashPassword } from '../infra/passwords.ts';
import { upsertAdmin } from '../infra/users.ts';
import { openIdentityDatabase } from './database.ts';
import { PasswordInputError, readPassword } from './read-password.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const USAGE =
  'usage: npm run admin:create -- --email <email> [--name <name>], the password on standard input';

function readArgs(args: readonly string[]): { email: string; name: string | undefined } | string {
  // Said before anything else, and without repeating the value: the password is already in `ps` and the
  // shell's history, and the operator should know to change it.
  if (args.some((a) => a === '--password' || a.startsWith('--password=')))
    return '--password is not accepted: a password on the command line is visible to every user of the machine; type it when asked, or pipe it on standard input (and change the one just used)';
  try {
    const { values } = parseArgs({
      args: [...args],
      options: { email: { type: 'string' }, name: { type: 'string' } },
      strict: true,
    });
    const email = values.email?.trim() ?? '';
    if (!EMAIL.test(email)) return `--email must be an email address; ${USAGE}`;
    return { email, name: values.name };
  } catch (err) {
    return `${(err as Error).message}; ${USAGE}`;
  }
}

async function main(): Promise<number> {
  const args = readArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(`admin:create: ${args}`);
    return 2;
  }
  const { email } = args;
  let password: string;
  try {
    password = await readPassword(process.stdin, process.stderr);
  } catch (err) {
    if (!(err instanceof PasswordInputError)) throw err;
    console.error(`admin:create: ${err.message}`);
    return 2;
  }
  const problems = passwordProblems(password, email);
  if (problems.length > 0) {
    console.error(`admin:create: the password ${problems.map((p) => p.message).join('; ')}`);
    return 2;
  }
  const db = await openIdentityDatabase();
  try {
    const user = await upsertAdmin(db.pool, {
      id: newId('usr', systemClock),
      email,
      emailNormalized: normalizeEmail(email),
      name: args.name ?? 'Administrator',
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
