import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { closedPortUrl, patternBytes } from './testing.ts';
import { type UpstreamRequest, upstreamClient, WHOLE_ANSWER_BYTES_MAX } from './upstream.ts';

/** Generous: the wait for a condition on a loaded machine, never a measured time. */
const WAIT_MS = 10_000;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function readAll(body: Buffer | Readable | undefined): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('upstreamClient', () => {
  let server: Server;
  let origin: string;
  const closedEarly: string[] = [];
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, body: Buffer) => void> = {
    '/echo': (req, res, body) => {
      res.writeHead(201, {
        'content-type': 'application/json',
        'x-seen': JSON.stringify({ method: req.method, headers: req.headers }),
        'set-cookie': ['a=1', 'b=2'],
        'content-length': body.length,
      });
      res.end(body);
    },
    '/sized': (_req, res) => {
      const body = patternBytes(WHOLE_ANSWER_BYTES_MAX + 1);
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    },
    '/unsized': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first,');
      setTimeout(() => res.end('second'), 20);
    },
    '/endless': (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = patternBytes(64 * 1024);
      const push = () => {
        while (res.write(chunk));
      };
      res.on('drain', push);
      res.on('close', () => {
        if (!res.writableFinished) closedEarly.push(req.url ?? '');
      });
      push();
    },
    '/empty': (_req, res) => {
      res.writeHead(204, { 'x-empty': 'yes' });
      res.end();
    },
    '/silent': () => {},
  };

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => routes[req.url ?? '']?.(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const request = (over: Partial<UpstreamRequest>): UpstreamRequest => ({
    origin,
    path: '/echo',
    method: 'GET',
    headers: {},
    body: undefined,
    timeoutMs: WAIT_MS,
    ...over,
  });

  it('given a short answer, then it comes whole with its status and headers, and the body goes as sent', async () => {
    const client = upstreamClient();
    const body = Buffer.from('{"amount":100}');
    const answer = await client.send(
      request({ method: 'POST', headers: { 'content-type': 'application/json', 'x-a': 'b' }, body }),
    );
    await client.close();
    assert.equal(answer.status, 201);
    assert.ok(Buffer.isBuffer(answer.body), 'read whole');
    assert.deepEqual(answer.body, body);
    assert.deepEqual(answer.headers['set-cookie'], ['a=1', 'b=2'], 'repeated headers stay apart');
    for (const hop of ['connection', 'keep-alive', 'transfer-encoding'])
      assert.equal(answer.headers[hop], undefined, `${hop} is the gateway's connection's, not the caller's`);
    const seen = JSON.parse(String(answer.headers['x-seen'])) as {
      method: string;
      headers: Record<string, string>;
    };
    assert.equal(seen.method, 'POST');
    assert.equal(seen.headers['x-a'], 'b');
    assert.equal(seen.headers['content-length'], String(body.length));
    assert.equal(seen.headers['host'], new URL(origin).host);
  });

  it('given an answer longer than the whole-answer limit, then it is streamed, every byte in order', async () => {
    const client = upstreamClient();
    const answer = await client.send(request({ path: '/sized' }));
    assert.ok(answer.body instanceof Readable, 'streamed');
    assert.deepEqual(await readAll(answer.body), patternBytes(WHOLE_ANSWER_BYTES_MAX + 1));
    await client.close();
  });

  it('given an answer of unknown length, then it is streamed to its end', async () => {
    const client = upstreamClient();
    const answer = await client.send(request({ path: '/unsized' }));
    assert.ok(answer.body instanceof Readable);
    assert.equal(String(await readAll(answer.body)), 'first,second');
    await client.close();
  });

  it('given a streamed answer its reader stops taking, then the upstream is not read on for ever', async () => {
    const client = upstreamClient();
    const answer = await client.send(request({ path: '/endless' }));
    assert.ok(answer.body instanceof Readable);
    answer.body.destroy();
    await until(() => closedEarly.includes('/endless'), 'the upstream saw its answer cut');
    await client.close();
  });

  it('given a 204 or a HEAD, then there is no body, and the headers still come', async () => {
    const client = upstreamClient();
    const empty = await client.send(request({ path: '/empty' }));
    assert.equal(empty.status, 204);
    assert.equal(empty.body, undefined);
    assert.equal(empty.headers['x-empty'], 'yes');
    const head = await client.send(request({ path: '/sized', method: 'HEAD' }));
    assert.equal(head.body, undefined, 'a HEAD has no body, however long the answer says it is');
    assert.equal(head.headers['content-length'], String(WHOLE_ANSWER_BYTES_MAX + 1));
    await client.close();
  });

  it('given an upstream that never answers, then it fails with undici’s headers timeout', async () => {
    const client = upstreamClient();
    await assert.rejects(client.send(request({ path: '/silent', timeoutMs: 200 })), {
      code: 'UND_ERR_HEADERS_TIMEOUT',
    });
    await client.close();
  });

  it('given nothing listening, then it fails with the refused connection’s code', async () => {
    const client = upstreamClient();
    const refused = new URL(await closedPortUrl()).origin;
    await assert.rejects(client.send(request({ origin: refused })), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ECONNREFUSED');
      return true;
    });
    await client.close();
  });
});
