/**
 * Starts the bank sandbox alone, as a container would: the simulated bank's API, and a timer that moves
 * scorings and payments on and sends notifications. `DATABASE_URL` is required here (npm start passes
 * the embedded server's). This is the only file that reads the environment; the service kit opens the sockets.
 */
import { runService } from '@strongbox/service';
import { MIGRATIONS, SCHEMA, SERVICE } from './app.ts';
import { sandboxConfig } from './config.ts';
import { sandboxParts } from './parts.ts';

await runService({
  service: SERVICE,
  schema: SCHEMA,
  config: sandboxConfig,
  port: (c) => c.BANK_SANDBOX_PORT,
  database: MIGRATIONS,
  build: sandboxParts,
});
