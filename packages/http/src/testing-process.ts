/**
 * A service started as its own process for a test, on port 0: the service reports the port it was given
 * over IPC (serve() in server.ts), so no port is picked up front and released for another process to take
 * before the child binds it. For tests only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { LISTENING_MESSAGE, PORT_IN_USE_MESSAGE, type ServeMessage } from './server.ts';

/**
 * How long a test waits for a service process to listen and then to answer /ready: generous, because a
 * loaded machine (two cores shared by several test files) may take many seconds to start Node and migrate.
 */
export const PROCESS_READY_TIMEOUT_MS = 60_000;
/** A stopped process that ignores SIGTERM this long is killed. */
export const PROCESS_STOP_TIMEOUT_MS = 15_000;
const READY_POLL_MS = 100;
/** One /ready probe; a probe that takes longer is tried again, within PROCESS_READY_TIMEOUT_MS. */
const READY_PROBE_TIMEOUT_MS = 2_000;
const STDERR_KEPT_CHARS = 4_000;

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The last few thousand characters the process wrote to stderr, for a failure's message. */
  stderr(): string;
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/** Waits for the child to report its port over IPC, within `timeoutMs`. */
function reportedPort(child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (msg: unknown) => {
      const m = msg as Partial<ServeMessage> | null;
      if (typeof m?.port !== 'number') return;
      if (m.type === LISTENING_MESSAGE) {
        done();
        resolve(m.port);
      } else if (m.type === PORT_IN_USE_MESSAGE) {
        done();
        reject(new Error(`port ${m.port} is taken by another process (EADDRINUSE)`));
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`the process exited (${code ?? signal}) before it was listening: ${stderr()}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`the process did not report its port within ${timeoutMs} ms: ${stderr()}`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function waitReady(p: ServiceProcess, deadline: number): Promise<void> {
  for (;;) {
    if (!alive(p.child)) throw new Error(`the process exited before it was ready: ${p.stderr()}`);
    try {
      const res = await fetch(`${p.url}/ready`, { signal: AbortSignal.timeout(READY_PROBE_TIMEOUT_MS) });
      if (res.ok) return;
    } catch {
      // Not answering yet: probe again.
    }
    if (Date.now() > deadline) throw new Error(`the process was not ready in time: ${p.stderr()}`);
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}

/**
 * Starts `node <main>` with `env` (whose port variable should be '0'), waits until it reports its port and
 * answers /ready, and returns it. A process that fails to start is killed before the error is thrown.
 *
 * @example
 * const balance = await startServiceProcess(BALANCE_MAIN, { cwd: ROOT, env: { ...env, BALANCE_PORT: '0' } });
 */
export async function startServiceProcess(
  main: string,
  opts: { cwd: string; env: Readonly<Record<string, string>>; timeoutMs?: number },
): Promise<ServiceProcess> {
  const timeoutMs = opts.timeoutMs ?? PROCESS_READY_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  // The IPC channel carries the port; it also stops the service if this test process dies (see serve()).
  const child = spawn(process.execPath, [main], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString()).slice(-STDERR_KEPT_CHARS);
  });
  const stderr = () => err;
  try {
    const port = await reportedPort(child, stderr, timeoutMs);
    const p: ServiceProcess = { child, port, url: `http://127.0.0.1:${port}`, stderr };
    await waitReady(p, deadline);
    return p;
  } catch (e) {
    await stopServiceProcess(child, 'SIGKILL');
    throw e;
  }
}

/** Sends `signal` and resolves once the process has exited; one that outlives PROCESS_STOP_TIMEOUT_MS is killed. */
export async function stopServiceProcess(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!child || !alive(child)) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_STOP_TIMEOUT_MS);
  await exited.finally(() => clearTimeout(timer));
}
