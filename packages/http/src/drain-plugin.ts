import fp from 'fastify-plugin';

/**
 * Node's server.close() waits for keep-alive connections that were busy when it began; telling those
 * clients to close after their answer lets shutdown finish instead of waiting out the keep-alive timeout.
 */
export const drainPlugin = fp(
  async (app) => {
    let draining = false;
    app.addHook('preClose', async () => {
      draining = true;
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (draining) void reply.header('connection', 'close');
      done(null, payload);
    });
  },
  { name: 'strongbox-drain' },
);
