/**
 * Starts the orders service alone, as a container would: the HTTP API, the relay of its outbox, the
 * consumer of processor events and the saga timer. `DATABASE_URL` is required here (npm start passes the
 * embedded server's). This is the only file that reads the environment; the service kit opens the sockets.
 */
import { runService } from '@strongbox/service';
import { buildApp, MIGRATIONS, SERVICE } from './app.ts';
import { ordersConfig } from './config.ts';

await runService({
  service: SERVICE,
  config: ordersConfig,
  port: (c) => c.ORDERS_PORT,
  database: MIGRATIONS,
  events: { relay: true },
  verifier: 'identity',
  build: buildApp,
});
