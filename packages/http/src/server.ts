import type { FastifyInstance } from 'fastify';

/**
 * Sent to a parent process over IPC once listening, with the port the service bound. The parent waits
 * for it before polling /ready, so an answer on that port is known to come from its own child and not
 * from another program that already held the port.
 */
export const LISTENING_MESSAGE = 'strongbox:listening';

/** Sent to a parent process over IPC when the port is taken (EADDRINUSE), just before exiting 1. */
export const PORT_IN_USE_MESSAGE = 'strongbox:port-in-use';

/** The messages serve() sends its parent over IPC. */
export type ServeMessage =
  | { readonly type: typeof LISTENING_MESSAGE; readonly port: number }
  | { readonly type: typeof PORT_IN_USE_MESSAGE; readonly port: number };

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
  opts: { port: number; host: string; service?: string; closers?: ReadonlyArray<() => Promise<void>> },
): Promise<string> {
  const address = await app.listen({ port: opts.port, host: opts.host }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return portInUse(opts.port, opts.service ?? 'service');
  });
  const bound = app.server.address();
  if (process.send && bound && typeof bound === 'object')
    process.send({ type: LISTENING_MESSAGE, port: bound.port } satisfies ServeMessage);
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

/**
 * Another program holds the port: an operator's mistake, not a bug, so one line and exit 1, no stack. A
 * parent (npm start) is told over IPC and says it once for the whole system, naming the variable to
 * change; run on its own (a container), the service says it on stderr.
 */
async function portInUse(port: number, service: string): Promise<never> {
  const send = process.send?.bind(process);
  if (send && process.connected) {
    const message: ServeMessage = { type: PORT_IN_USE_MESSAGE, port };
    // Exit only once the message is handed to the channel, or the parent would see a bare exit code.
    await new Promise<void>((sent) => send(message, undefined, {}, () => sent()));
  } else {
    console.error(`${service}: port ${port} is already in use by another program`);
  }
  process.exit(1);
}
