/**
 * An open-loop load at a fixed rate, for latency at a given throughput. Requests are sent on an even
 * schedule (one every 1/rate seconds), and each latency runs from the request's scheduled time, not from
 * when it was actually sent: a stalled server makes the requests behind it late, and that lateness is
 * counted (no coordinated omission). autocannon's rate option instead lets each connection send its whole
 * per-second quota at once at the start of every second, which measures bursts at the peak rate.
 */
import { Pool } from 'undici';
import { percentile } from './lib.ts';

/** Connections the generator may hold open; a request waits for a free one, and that wait is counted. */
export const PACED_CONNECTIONS_MAX = 128;

export interface PacedRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface PacedFigures {
  readonly sent: number;
  readonly failed: number;
  /** What the failed ones got: an HTTP status, or the client's error code. */
  readonly failures: Readonly<Record<string, number>>;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export async function paced(opts: {
  url: string;
  ratePerS: number;
  durationS: number;
  request: () => PacedRequest;
}): Promise<PacedFigures> {
  const pool = new Pool(opts.url, { connections: PACED_CONNECTIONS_MAX });
  const total = Math.round(opts.ratePerS * opts.durationS);
  const intervalMs = 1000 / opts.ratePerS;
  const latencies: number[] = [];
  let failed = 0;
  const failures: Record<string, number> = {};
  const fail = (why: string) => {
    failed += 1;
    failures[why] = (failures[why] ?? 0) + 1;
  };
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now() + 50;
  try {
    for (let i = 0; i < total; i++) {
      const due = start + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const r = opts.request();
      inFlight.push(
        pool
          .request({ method: 'POST', path: r.path, headers: r.headers, body: r.body })
          .then(async (res) => {
            await res.body.text();
            if (res.statusCode >= 300) fail(String(res.statusCode));
            else latencies.push(performance.now() - due);
          })
          .catch((err: { code?: string }) => fail(err.code ?? 'error')),
      );
    }
    await Promise.all(inFlight);
  } finally {
    await pool.close();
  }
  latencies.sort((a, b) => a - b);
  return {
    sent: total,
    failed,
    failures,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}
