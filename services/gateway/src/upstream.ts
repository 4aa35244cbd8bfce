import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';

/** Connecting is quick or not happening; a host that does not accept within this is treated as down. */
export const UPSTREAM_CONNECT_TIMEOUT_MS = 2_000;
/** Open connections per upstream origin; requests beyond it queue in the pool instead of opening more. */
export const UPSTREAM_CONNECTIONS_MAX = 128;
/**
 * An answer that says it is at most this long is read whole and sent to the caller in one write, its
 * headers with it; a longer one, or one that does not say, is streamed through as it comes.
 */
export const WHOLE_ANSWER_BYTES_MAX = 256 * 1024;

/** What the upstream answered: status, headers without the hop-by-hop ones, and the body. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The whole body, a stream of it for a long or unsized answer, or undefined for none (or empty). */
  readonly body: Buffer | Readable | undefined;
}

export interface UpstreamRequest {
  /** `http(s)://host:port` of the upstream. */
  readonly origin: string;
  /** The request target, path and query, as sent upstream. */
  readonly path: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer | undefined;
  /** How long the upstream may take to start answering, and to send each part of a streamed body. */
  readonly timeoutMs: number;
}

export interface UpstreamClient {
  /**
   * Sends one request and resolves with the answer once it is whole (streamed: once its headers came).
   * Rejects with undici's transport error (refused, timed out, reset), its code telling which.
   */
  send(request: UpstreamRequest): Promise<UpstreamAnswer>;
  close(): Promise<void>;
}

/** Headers of the gateway's connection to the upstream, not of the answer: never passed to the caller. */
const HOP_BY_HOP_ANSWER = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection']);

/**
 * Keep-alive connections to the upstreams (undici's Agent, one pool per origin), each request sent with
 * its body in one write and its answer read by a handler of our own. Answers of this API are short JSON:
 * reading one whole and handing it to Fastify as a buffer spares the readable stream, the pipe and their
 * listeners that a streamed answer costs (with `@fastify/reply-from`, a fifth of the gateway's CPU per
 * request went to streams and their events), and the caller gets the answer in one write.
 */
export function upstreamClient(opts: { connectTimeoutMs?: number } = {}): UpstreamClient {
  const agent = new Agent({
    connections: UPSTREAM_CONNECTIONS_MAX,
    // Upstreams behind https must prove who they are.
    connect: { timeout: opts.connectTimeoutMs ?? UPSTREAM_CONNECT_TIMEOUT_MS, rejectUnauthorized: true },
  });
  return {
    send: (request) =>
      new Promise<UpstreamAnswer>((resolve, reject) => {
        agent.dispatch(
          {
            origin: request.origin,
            path: request.path,
            method: request.method as Dispatcher.HttpMethod,
            headers: request.headers as Record<string, string | string[]>,
            body: request.body ?? null,
            headersTimeout: request.timeoutMs,
            bodyTimeout: request.timeoutMs,
          },
          new AnswerReader(request.method === 'HEAD', resolve, reject),
        );
      }),
    close: () => agent.close(),
  };
}

/** Answers that never have a body, whatever their headers say (RFC 9110 §6.4.1). */
const NO_BODY_STATUSES = new Set([204, 304]);

/** Reads one answer: whole into a buffer when it says it is short, otherwise as a stream. */
class AnswerReader implements Dispatcher.DispatchHandler {
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #stream: Readable | undefined;
  #ended = false;
  #settled = false;
  readonly #head: boolean;
  readonly #resolve: (answer: UpstreamAnswer) => void;
  readonly #reject: (error: Error) => void;

  /** `head`: the request was a HEAD, whose answer has no body whatever its Content-Length says. */
  constructor(head: boolean, resolve: (answer: UpstreamAnswer) => void, reject: (error: Error) => void) {
    this.#head = head;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** undici takes a handler of its current interface by this method; nothing is to be done yet. */
  onRequestStart(): void {}

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.#status = statusCode;
    const kept: IncomingHttpHeaders = {};
    for (const name of Object.keys(headers)) if (!HOP_BY_HOP_ANSWER.has(name)) kept[name] = headers[name];
    this.#headers = kept;
    if (this.#head || NO_BODY_STATUSES.has(statusCode)) return;
    const length = Number(headers['content-length']);
    if (headers['content-length'] !== undefined && length <= WHOLE_ANSWER_BYTES_MAX) return;
    // Long or unsized: streamed, reading on only as fast as the caller takes it.
    const stream = new Readable({
      read: () => controller.resume(),
      destroy: (err, done) => {
        // Destroyed before its end (the caller went away, or Fastify gave up on it): nothing more is read.
        if (!this.#ended && !controller.aborted)
          controller.abort(err ?? new Error('the answer was not read to the end'));
        done(err);
      },
    });
    this.#stream = stream;
    this.#settle(() => this.#resolve({ status: statusCode, headers: kept, body: stream }));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#stream) this.#chunks.push(chunk);
    else if (!this.#stream.push(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.#ended = true;
    if (this.#stream) {
      this.#stream.push(null);
      return;
    }
    const chunks = this.#chunks;
    const body =
      chunks.length === 0 ? undefined : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    this.#settle(() => this.#resolve({ status: this.#status, headers: this.#headers, body }));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#ended = true;
    if (this.#stream) this.#stream.destroy(error);
    this.#settle(() => this.#reject(error));
  }

  #settle(outcome: () => void): void {
    if (this.#settled) return;
    this.#settled = true;
    outcome();
  }
}
