import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createHttpApp } from './app.ts';
import { createLogger } from './logger.ts';
import { SHUTDOWN_TIMEOUT_MS } from './server.ts';

/** Bounds the wait for the listening socket to close; each step is one turn of the event loop. */
const CLOSE_STEPS_MAX = 10_000;

/** A promise with its resolver, to hold a request in its handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

async function build() {
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const app = await createHttpApp({
    service: 'test',
    version: '0.0.0',
    logger: createLogger({ service: 'test', level: 'silent', destination: sink }),
  });
  const entered = gate();
  const release = gate();
  app.get('/v1/slow', { config: { auth: 'public' } }, async () => {
    entered.open();
    await release.promise;
    return { done: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  assert.ok(address && typeof address === 'object');
  return { app, port: address.port, entered, release };
}

/** Resolves with the error code of a fresh TCP connection attempt, or 'connected' if it succeeded. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

async function untilNotListening(app: FastifyInstance): Promise<void> {
  for (let step = 0; step < CLOSE_STEPS_MAX && app.server.listening; step++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(app.server.listening, false, 'the listening socket was not closed');
}

/** Resolves true if `p` settles within `ms`, false otherwise; the timer never outlives the race. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

describe('graceful shutdown (app.close, which serve() calls on SIGTERM)', () => {
  it('given a request in flight, when the app closes, then the request completes with 200 and new connections are refused', async () => {
    const { app, port, entered, release } = await build();
    let closed: Promise<undefined> | undefined;
    try {
      assert.equal(await tryConnect(port), 'connected', 'the server accepts connections before close');
      const inFlight = fetch(`http://127.0.0.1:${port}/v1/slow`);
      await entered.promise;

      closed = app.close();
      await untilNotListening(app);
      assert.equal(await tryConnect(port), 'ECONNREFUSED', 'no new connection while draining');

      release.open();
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { done: true });
      assert.match(res.headers.get('x-trace-id') ?? '', /^[0-9a-f]{32}$/);
    } finally {
      release.open();
      // Whether close waits on the finished keep-alive connection is the next test's subject, not this one's.
      app.server.closeAllConnections();
      await (closed ?? app.close());
    }
    assert.equal(await tryConnect(port), 'ECONNREFUSED', 'no new connection after close');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), TypeError);
  });

  it('given a keep-alive client whose request finished while draining, when the app closes, then close completes before serve() gives up', async () => {
    // serve() exits 1 after SHUTDOWN_TIMEOUT_MS without running its closers (pool.end()); a connection kept
    // alive after its last response must not hold close() open until Fastify's 72 s keepAliveTimeout.
    const { app, port, entered, release } = await build();
    const inFlight = fetch(`http://127.0.0.1:${port}/v1/slow`);
    await entered.promise;
    const closed = app.close();
    await untilNotListening(app);
    release.open();
    const res = await inFlight;
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    try {
      assert.ok(
        await settlesWithin(closed, SHUTDOWN_TIMEOUT_MS),
        `app.close() still waiting after ${SHUTDOWN_TIMEOUT_MS} ms on an idle keep-alive connection`,
      );
    } finally {
      app.server.closeAllConnections();
      await closed;
    }
  });

  it('given no request in flight, when the app closes, then close resolves and the port is released', async () => {
    const { app, port } = await build();
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    // An idle keep-alive connection from the request above must not hold shutdown open.
    await app.close();
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
  });
});
