/**
 * Starts the gateway, as a container would: the one public entry, in front of the services' URLs. This is
 * the only file that reads the environment; the service kit opens the sockets. It has no database of its
 * own and checks tokens itself (buildApp), so it declares nothing but its configuration.
 */
import { runService } from '@strongbox/service';
import { buildApp, rateLimitRedis, VERSION } from './app.ts';
import { loadConfig, readTls } from './config.ts';

await runService({
  service: 'gateway',
  // The gateway's settings are its own shape; the kit reads where to listen and how much to log.
  config: (env) => {
    const config = loadConfig(env);
    // The certificate files are read here, so an unreadable one stops the start with one line.
    return { ...config, HOST: config.host, LOG_LEVEL: config.logLevel, https: readTls(config.tls) };
  },
  port: (c) => c.port,
  build: ({ config, logger }) =>
    buildApp({
      config,
      logger,
      version: VERSION,
      redis: rateLimitRedis(config.rateLimits.redisUrl, logger),
      https: config.https,
    }),
});
