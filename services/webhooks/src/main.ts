/**
 * Starts the webhooks service alone, as a container would: the HTTP API, the event consumer, the delivery
 * worker and the retention job. `DATABASE_URL` is required here (npm start passes the embedded server's).
 * This is the only file that reads the environment; the service kit opens the sockets.
 */
import { runService } from '@strongbox/service';
import { buildApp, MIGRATIONS, SERVICE } from './app.ts';
import { webhooksConfig } from './config.ts';

await runService({
  service: SERVICE,
  config: webhooksConfig,
  port: (c) => c.WEBHOOKS_PORT,
  database: MIGRATIONS,
  // Webhooks consumes events and publishes none: a transport, no relay.
  events: { relay: false },
  verifier: 'identity',
  build: ({ config, ...kit }) =>
    buildApp({
      ...kit,
      allow: config.WEBHOOK_ALLOWED_HOSTS,
      concurrencyMax: config.WEBHOOK_CONCURRENCY,
      secrets: config.SECRETS_KEY,
    }),
});
