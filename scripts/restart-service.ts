/**
 * Restarts one service of a running system with extra settings, as the same command on the same port (the
 * others keep its URL). The end-to-end tests and benchmarks need this for the bank sandbox: with free
 * ports it starts before deals and the gateway, so it cannot be told at start where to send its
 * notifications; restarted once they are up, it is (BANK_NOTIFICATION_URL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { READY_TIMEOUT_MS, type RunningSystem, SERVICE_NODE_FLAGS, type ServiceName } from './system.ts';

const ROOT = resolve(import.meta.dirname, '..');
const POLL_MS = 100;
const STOP_TIMEOUT_MS = 12_000;

export interface RestartedService {
  readonly pid: number;
  /** Stops this process (SIGTERM, then SIGKILL after a while). */
  stop(): Promise<void>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => Promise<boolean> | boolean, child?: ChildProcess) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await ok())) {
    if (child && child.exitCode !== null) throw new Error(`${what}: the process exited (${child.exitCode})`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Stops the service's current process (the system's own, or `current` when it was restarted before) and
 * starts it again with the system's environment plus `env` (and `nodeFlags`); resolves once it answers
 * /ready.
 */
export async function restartService(
  system: RunningSystem,
  name: ServiceName,
  env: Readonly<Record<string, string>>,
  current?: RestartedService,
  /** Node flags besides SERVICE_NODE_FLAGS, e.g. `--cpu-prof` (which NODE_OPTIONS refuses). */
  nodeFlags: readonly string[] = [],
): Promise<RestartedService> {
  const url = system.urls[name];
  const pid = current?.pid ?? system.pids[name];
  if (!url || !pid) throw new Error(`${name} is not running in this system`);
  if (current) await current.stop();
  else {
    process.kill(pid, 'SIGTERM');
    await until(`${name} to stop`, () => !alive(pid));
  }
  const child = spawn(
    process.execPath,
    [...SERVICE_NODE_FLAGS, ...nodeFlags, resolve(ROOT, 'services', name, 'src', 'main.ts')],
    {
      cwd: ROOT,
      env: { ...system.env, ...env },
      // The IPC channel tells the service when this process dies (see serve() in packages/http).
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    },
  );
  await until(
    `${name} to be ready again`,
    async () => {
      try {
        return (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1_000) })).ok;
      } catch {
        return false;
      }
    },
    child,
  );
  return {
    pid: child.pid ?? 0,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}
