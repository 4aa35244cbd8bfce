/**
 * Starts identity alone, as a container would: `DATABASE_URL` is required here (npm start passes the
 * embedded server's). This is the only file that reads the environment; the service kit opens the sockets.
 * Identity checks tokens with its own keys, so it declares no verifier.
 */
import { runService } from '@strongbox/service';
import { buildApp, MIGRATIONS, SERVICE } from './app.ts';
import { identityConfig } from './config.ts';

await runService({
  service: SERVICE,
  config: identityConfig,
  port: (c) => c.IDENTITY_PORT,
  database: MIGRATIONS,
  build: ({ config, ...kit }) =>
    buildApp({
      ...kit,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      staffTotpRequired: config.STAFF_TOTP_REQUIRED,
      secrets: config.SECRETS_KEY,
    }),
});
