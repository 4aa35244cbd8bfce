import { sleep } from '@strongbox/kernel';
import pg from 'pg';

/** How often a follower asks for the lock again, and the pause before reconnecting a lost connection. */
export const LEADER_RETRY_MS = 1_000;
/**
 * How often the leader checks that its lock connection still answers. A connection that died without a
 * TCP reset (a cut network) would otherwise keep a leader that the server no longer recognises.
 */
export const LEADER_CHECK_MS = 5_000;

export interface LeaderLockOptions {
  /** Only its connection settings are used: the lock lives on a dedicated connection outside the pool. */
  readonly pool: pg.Pool;
  /** Names the job, e.g. `strongbox:relay:balance`; one leader per key across all processes. */
  readonly key: string;
  /**
   * Runs while this process holds the lock, on the connection that holds it. `lost` aborts when the
   * connection fails or `stop()` is called; the function must then return promptly. If it returns or throws
   * on its own, the lock is given up and sought again after LEADER_RETRY_MS.
   */
  lead(client: pg.Client, lost: AbortSignal): Promise<void>;
  readonly onError?: (err: unknown) => void;
  readonly retryMs?: number;
  readonly checkMs?: number;
  /** Told after each try for the lock whether it was granted (metrics, and tests that wait for tries). */
  readonly onAttempt?: (granted: boolean) => void;
}

export interface LeaderLock {
  readonly leading: boolean;
  /** The backend pid of the lock connection while leading (lets tests and operators find it). */
  readonly backendPid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Single-leader jobs (the outbox relay, scheduled tasks) across any number of instances: a session
 * advisory lock held on a dedicated connection. If the holder dies, its session ends, PostgreSQL releases
 * the lock, and a follower takes it on its next try; there is no lease to expire and no clock to trust.
 *
 * @example
 * const lock = startLeaderLock({ pool, key: 'strongbox:relay:balance', lead: (client, lost) => relay(client, lost) });
 * await lock.stop();
 */
export function startLeaderLock(opts: LeaderLockOptions): LeaderLock {
  const retryMs = opts.retryMs ?? LEADER_RETRY_MS;
  const checkMs = opts.checkMs ?? LEADER_CHECK_MS;
  const stopping = new AbortController();
  let leading = false;
  let backendPid: number | undefined;

  const session = async (): Promise<void> => {
    const client = new pg.Client(opts.pool.options);
    const lost = new AbortController();
    // An error on an idle client would otherwise be an uncaught exception; it ends this session instead.
    client.on('error', (err) => {
      opts.onError?.(err);
      lost.abort(err);
    });
    client.on('end', () => lost.abort(new Error('lock connection ended')));
    const onStop = () => lost.abort(new Error('stopping'));
    stopping.signal.addEventListener('abort', onStop);
    try {
      await client.connect();
      while (!lost.signal.aborted) {
        const { rows } = await client.query<{ ok: boolean }>(
          'select pg_try_advisory_lock(hashtext($1)) as ok',
          [opts.key],
        );
        opts.onAttempt?.(rows[0]?.ok === true);
        if (rows[0]?.ok) break;
        await sleep(retryMs, lost.signal);
      }
      if (lost.signal.aborted) return;
      leading = true;
      backendPid = (client as unknown as { processID?: number }).processID;
      const probe = setInterval(() => {
        client.query('select 1').catch((err: unknown) => lost.abort(err));
      }, checkMs);
      try {
        await opts.lead(client, lost.signal);
      } finally {
        clearInterval(probe);
        leading = false;
        backendPid = undefined;
      }
    } finally {
      stopping.signal.removeEventListener('abort', onStop);
      // Ending the session releases the lock even if the unlock below cannot be sent.
      if (!lost.signal.aborted || stopping.signal.aborted) {
        await client.query('select pg_advisory_unlock_all()').catch(() => undefined);
      }
      await client.end().catch(() => undefined);
    }
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await session();
      } catch (err) {
        if (!stopping.signal.aborted) opts.onError?.(err);
      }
      await sleep(retryMs, stopping.signal);
    }
  })();

  return {
    get leading() {
      return leading;
    },
    get backendPid() {
      return backendPid;
    },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
