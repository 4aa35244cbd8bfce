import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { createHttpApp } from './app.ts';
import { createLogger } from './logger.ts';

/**
 * Short, so a cut request is seen soon; nothing here measures how long the cut took, only what it answers.
 * The tests wait for the server to close the connection, however long a busy machine makes that.
 */
const TEST_REQUEST_TIMEOUT_MS = 300;

let app: FastifyInstance;
let port: number;
before(async () => {
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  app = await createHttpApp({
    service: 'test',
    version: '0.0.0',
    logger: createLogger({ service: 'test', level: 'silent', destination: sink }),
    requestTimeoutMs: TEST_REQUEST_TIMEOUT_MS,
  });
  app.post(
    '/v1/things',
    { config: { auth: 'public' }, schema: { body: Type.Object({ name: Type.String() }) } },
    async () => ({ ok: true }),
  );
  app.get('/v1/things/:id', { config: { auth: 'public' } }, async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  assert.ok(address && typeof address === 'object');
  port = address.port;
});
after(async () => {
  await app.close();
});

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Writes `chunks` on a fresh TCP connection (each written once the previous one is flushed), then keeps
 * the connection open, sending nothing more, until the server answers and closes it.
 */
function exchange(chunks: readonly string[]): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP answer: ${JSON.stringify(text)}`));
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    socket.once('connect', async () => {
      for (const chunk of chunks) await new Promise<void>((done) => socket.write(chunk, () => done()));
    });
  });
}

function assertProblem(answer: RawAnswer, status: number, code: string): Record<string, unknown> {
  assert.equal(answer.status, status, answer.body);
  assert.match(answer.headers['content-type'] ?? '', /^application\/problem\+json/);
  const problem = JSON.parse(answer.body);
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  assert.equal(problem.type, `urn:strongbox:problem:${code}`);
  assert.match(problem.traceId, /^[0-9a-f]{32}$/);
  assert.equal(answer.headers['x-trace-id'], problem.traceId);
  return problem;
}

describe('a client too slow to send its request', () => {
  it('given a body that stops arriving, when the request timeout passes, then the answer is 408 request_timeout', async () => {
    const answer = await exchange([
      `POST /v1/things HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n`,
      '{"name":"trick',
    ]);
    assertProblem(answer, 408, 'request_timeout');
  });

  it('given headers that never end, when the request timeout passes, then the answer is 408 request_timeout', async () => {
    const answer = await exchange(['GET /v1/things/1 HTTP/1.1\r\nhost: x\r\n', 'x-slow: 1\r\n']);
    assertProblem(answer, 408, 'request_timeout');
  });

  it('given a connection that sends nothing, when the request timeout passes, then the answer is 408 request_timeout', async () => {
    assertProblem(await exchange([]), 408, 'request_timeout');
  });

  it('given a complete request, then it is answered as usual', async () => {
    const answer = await exchange([
      'POST /v1/things HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\n' +
        'content-length: 12\r\n\r\n{"name":"a"}',
    ]);
    assert.equal(answer.status, 200, answer.body);
  });
});

describe('a URL the router cannot take', () => {
  it('given a path segment past the parameter limit, then the answer is 414 uri_too_long without the URL', async () => {
    const id = `id${'x'.repeat(5_000)}`;
    const answer = await exchange([`GET /v1/things/${id} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`]);
    const problem = assertProblem(answer, 414, 'uri_too_long');
    assert.ok(!answer.body.includes('xxxxxxxxxx'), `the answer echoes the URL: ${answer.body.slice(0, 200)}`);
    assert.equal(problem['instance'], undefined);
  });

  it('given a bad percent-encoding in the path, then the answer is 400 malformed_request without the URL', async () => {
    const answer = await exchange([
      `GET /v1/things/%E0%A4%A HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
    ]);
    assertProblem(answer, 400, 'malformed_request');
    assert.ok(!answer.body.includes('%E0'), answer.body);
  });

  it('given headers past the size limit, then the answer is 431 header_too_large', async () => {
    const answer = await exchange([
      `GET /v1/things/1 HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]);
    assertProblem(answer, 431, 'header_too_large');
  });

  it('given bytes that are not HTTP, then the answer is 400 malformed_request', async () => {
    const answer = await exchange(['NOT HTTP AT ALL\r\n\r\n']);
    assertProblem(answer, 400, 'malformed_request');
  });
});
