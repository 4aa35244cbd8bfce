/**
 * Starts the deals service alone, as a container would: the HTTP API and the relay of its outbox.
 * `DATABASE_URL` is required here (npm start passes the embedded server's). This is the only file that
 * reads the environment; the service kit opens the sockets.
 */
import { runService } from '@strongbox/service';
import { buildApp, MIGRATIONS, SERVICE } from './app.ts';
import { dealsConfig } from './config.ts';

await runService({
  service: SERVICE,
  config: dealsConfig,
  port: (c) => c.DEALS_PORT,
  database: MIGRATIONS,
  events: { relay: true },
  verifier: 'identity',
  build: ({ config, ...kit }) =>
    buildApp({
      ...kit,
      notificationSecrets: config.BANK_NOTIFICATION_SECRET,
      identity: {
        identityUrl: config.IDENTITY_URL,
        clientId: config.DEALS_CLIENT_ID,
        clientSecret: config.DEALS_CLIENT_SECRET,
      },
      ledger: {
        balanceUrl: config.BALANCE_URL,
        identityUrl: config.IDENTITY_URL,
        clientId: config.DEALS_CLIENT_ID,
        clientSecret: config.DEALS_CLIENT_SECRET,
      },
    }),
});
