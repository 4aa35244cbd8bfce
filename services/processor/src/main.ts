/**
 * Starts the processor alone, as a container would: the consumer of orders.order.created, the processing
 * worker, the relay of its outbox and the staff API. `DATABASE_URL` is required here (npm start passes the
 * embedded server's). This is the only file that reads the environment; the service kit opens the sockets.
 */
import { runService } from '@strongbox/service';
import { buildApp, MIGRATIONS, SERVICE } from './app.ts';
import { processorConfig } from './config.ts';

await runService({
  service: SERVICE,
  config: processorConfig,
  port: (c) => c.PROCESSOR_PORT,
  database: MIGRATIONS,
  events: { relay: true },
  verifier: 'identity',
  build: buildApp,
});
