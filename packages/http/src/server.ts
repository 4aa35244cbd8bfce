import type { FastifyInstance } from 'fastify';

/** How long shutdown waits for in-flight requests and closers before giving up. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Listens, then on SIGINT/SIGTERM stops taking requests, lets in-flight ones finish (Fastify's close),
 * runs the closers in order (pools, brokers) and exits. A second signal or the timeout exits at once.
 *
 * @example
 * await serve(app, { port: 3001, host: '0.0.0.0', closers: [() => pool.end()] });
 */
export async function serve(
  app: FastifyInstance,
  opts: { port: number; host: string; closers?: ReadonlyArray<() => Promise<void>> },
): Promise<string> {
  const address = await app.listen({ port: opts.port, host: opts.host });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      app.log.error('shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    try {
      await app.close();
      for (const close of opts.closers ?? []) await close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  return address;
}
