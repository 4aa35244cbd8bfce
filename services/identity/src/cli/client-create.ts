/**
 * `npm run client:create -- --name <name>`: registers a service client (or replaces its secret) and
 * prints the client id and secret once; only a hash of the secret is stored.
 */
import { parseArgs } from 'node:util';
import { newId, systemClock } from '@strongbox/kernel';
import { insertClient, newClientSecret } from '../infra/clients.ts';
import { openIdentityDatabase } from './database.ts';

const NAME = /^[a-z][a-z0-9-]{1,62}$/;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { name: { type: 'string' } }, strict: true });
  const name = values.name ?? '';
  if (!NAME.test(name)) {
    console.error('client:create: --name must be lowercase letters, digits and dashes (e.g. orders)');
    return 2;
  }
  const db = await openIdentityDatabase();
  try {
    const secret = newClientSecret();
    await insertClient(db.pool, {
      id: newId('cli', systemClock),
      clientId: name,
      name,
      secret,
      at: systemClock.now(),
    });
    console.log(JSON.stringify({ clientId: name, clientSecret: secret }));
    return 0;
  } finally {
    await db.close();
  }
}

process.exitCode = await main();
