import type { FastifyInstance } from 'fastify';

/** Sent to a parent process over IPC once listening, with the port (a service started on port 0). */
export const LISTENING_MESSAGE = 'strongbox:listening';

/** How long shutdown waits for in-flight requests and closers before giving up. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Listens, then on SIGINT/SIGTERM stops taking requests, lets in-flight ones finish (Fastify's close),
 * runs the closers in order (pools, brokers) and exits. Repeated signals are ignored (npm forwards a
 * Ctrl-C that the process also received directly); the timeout bounds a shutdown that hangs.
 *
 * @example
 * await serve(app, { port: 3001, host: '0.0.0.0', closers: [() => pool.end()] });
 */
export async function serve(
  app: FastifyInstance,
  opts: { port: number; host: string; closers?: ReadonlyArray<() => Promise<void>> },
): Promise<string> {
  const address = await app.listen({ port: opts.port, host: opts.host });
  const bound = app.server.address();
  if (process.send && bound && typeof bound === 'object')
    process.send({ type: LISTENING_MESSAGE, port: bound.port });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
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
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // Started by `npm start` (an IPC channel to the parent): if the parent dies, even by SIGKILL, the channel
  // closes and this service stops too, instead of living on as an orphan that holds its port.
  if (process.connected) process.once('disconnect', () => void shutdown('parent exited'));
  return address;
}
