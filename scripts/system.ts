/**
 * Runs the whole system as child processes, one per service, exactly as each would run in its own
 * container (`node services/<name>/src/main.ts` with its environment). Used by `npm start` and by the
 * end-to-end tests, so what the tests exercise is what a user starts.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { LISTENING_MESSAGE, PORT_IN_USE_MESSAGE, type ServeMessage } from '@strongbox/http/server';
import { newSecretsKey } from '@strongbox/kernel';

const ROOT = resolve(import.meta.dirname, '..');
/** Generous: on a loaded machine a service may take many seconds to start Node, migrate and connect. */
export const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 100;
const STOP_TIMEOUT_MS = 12_000;
const RABBITMQCTL_TIMEOUT_MS = 15_000;
/**
 * V8 flags every service runs with (also in each service's `npm start`). A young generation of 8 MB
 * semi-spaces instead of V8's default for a large machine keeps a service's RSS under load at about
 * 180–230 MB instead of about 320 MB, at no measurable cost in CPU (docs/BENCHMARKS.md).
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=8'];

/**
 * Start order matters: the others verify tokens with identity's keys, and the gateway comes last so it
 * only takes traffic once what it routes to is up. Each service's port variable, URL variable, default port.
 */
const ALL_SERVICES = [
  { name: 'identity', portVar: 'IDENTITY_PORT', urlVar: 'IDENTITY_URL', port: 3001 },
  { name: 'balance', portVar: 'BALANCE_PORT', urlVar: 'BALANCE_URL', port: 3002 },
  { name: 'webhooks', portVar: 'WEBHOOKS_PORT', urlVar: 'WEBHOOKS_URL', port: 3003 },
  { name: 'orders', portVar: 'ORDERS_PORT', urlVar: 'ORDERS_URL', port: 3004 },
  { name: 'processor', portVar: 'PROCESSOR_PORT', urlVar: 'PROCESSOR_URL', port: 3005 },
  { name: 'bank-sandbox', portVar: 'BANK_SANDBOX_PORT', urlVar: 'BANK_URL', port: 3006 },
  { name: 'deals', portVar: 'DEALS_PORT', urlVar: 'DEALS_URL', port: 3007 },
  { name: 'gateway', portVar: 'GATEWAY_PORT', urlVar: undefined, port: 8080 },
] as const;
/**
 * Every service that exists in this checkout (npm start "starts every service that exists"). The bank
 * sandbox is the bank only while BANK_URL names none: with BANK_URL set, the real bank (or another
 * sandbox) is used and this one is not started.
 */
export const SERVICES = ALL_SERVICES.filter(
  (s) =>
    existsSync(resolve(ROOT, 'services', s.name, 'src', 'main.ts')) &&
    !(s.name === 'bank-sandbox' && process.env['BANK_URL']),
);
export type ServiceName = (typeof ALL_SERVICES)[number]['name'];

export interface RunningSystem {
  readonly urls: Readonly<Partial<Record<ServiceName, string>>> & { readonly gateway: string };
  /** The environment the services were given (ports, URLs, database, broker vhost): restart one with it. */
  readonly env: Readonly<Record<string, string>>;
  /** Process ids, for measurements such as a service's resident memory. */
  readonly pids: Readonly<Partial<Record<ServiceName, number>>>;
  stop(): Promise<void>;
  /** Resolves when any service exits on its own (a crash), with its name and exit code. */
  readonly exited: Promise<{ name: ServiceName; code: number | null }>;
}

export interface SystemOptions {
  readonly databaseUrl: string;
  /** The configured ports (`<SERVICE>_PORT`, else each default) for npm start, or free ones for tests. */
  readonly ports: 'default' | 'random';
  readonly env?: Readonly<Record<string, string>>;
  /** Where service logs go; tests pass 'ignore' to keep their output readable. */
  readonly output: 'inherit' | 'ignore';
  /**
   * Benchmarks: every service writes a V8 CPU profile here when it exits (node --cpu-prof, which
   * NODE_OPTIONS does not accept).
   */
  readonly cpuProfileDir?: string;
}

async function waitReady(url: string, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // Not listening yet; poll again.
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
  throw new Error(`${name} was not ready within ${READY_TIMEOUT_MS} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Orders calls balance, and deals calls identity, each as a service client of its own. Like a
 * deployment's secret store would, npm start provisions each (identity's CLI, against the same database)
 * before that service starts; running it again on the next start rotates the secret.
 */
async function serviceClient(name: string, env: Record<string, string>): Promise<Record<string, string>> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [resolve(ROOT, 'services/identity/src/cli/client-create.ts'), '--name', name],
    { cwd: ROOT, env },
  );
  const { clientId, clientSecret } = JSON.parse(stdout) as { clientId: string; clientSecret: string };
  const prefix = name.toUpperCase();
  return { [`${prefix}_CLIENT_ID`]: clientId, [`${prefix}_CLIENT_SECRET`]: clientSecret };
}

/**
 * Systems started by tests and benchmarks share the machine's RabbitMQ; queues are named after consumers,
 * so two systems on one vhost would take each other's messages. Each such system gets a virtual host of
 * its own (rabbitmqctl, which CI's broker host has), removed when the system stops.
 */
async function isolatedVhost(amqpUrl: string): Promise<{ url: string; remove(): Promise<void> }> {
  const vhost = `strongbox-${randomBytes(6).toString('hex')}`;
  const u = new URL(amqpUrl);
  const user = decodeURIComponent(u.username) || 'guest';
  const ctl = (args: string[]) =>
    promisify(execFile)('rabbitmqctl', ['-q', ...args], { timeout: RABBITMQCTL_TIMEOUT_MS });
  await ctl(['add_vhost', vhost]);
  await ctl(['set_permissions', '-p', vhost, user, '.*', '.*', '.*']);
  u.pathname = `/${encodeURIComponent(vhost)}`;
  return {
    url: u.toString(),
    remove: async () => void (await ctl(['delete_vhost', vhost]).catch(() => undefined)),
  };
}

/** A service's port was held by another program: said in one line, naming what to change. */
export class PortInUseError extends Error {
  constructor(name: ServiceName, port: number, portVar: string) {
    super(`port ${port} (${name}) is already in use by another program; set ${portVar} to another port`);
    this.name = 'PortInUseError';
  }
}

/**
 * Waits for a service to say over IPC (see serve()) which port it bound, fixed or given for port 0. Until
 * then, an answer on the port may come from another program that already held it, so readiness is only
 * polled once the child itself has reported.
 */
function listeningPort(child: ChildProcess, s: (typeof ALL_SERVICES)[number]): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`${s.name} did not report its port`)), READY_TIMEOUT_MS);
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      outcome();
    };
    const onMessage = (msg: unknown) => {
      const m = msg as Partial<ServeMessage> | undefined;
      if (typeof m?.port !== 'number') return;
      const port = m.port;
      if (m.type === LISTENING_MESSAGE) settle(() => resolvePort(port));
      if (m.type === PORT_IN_USE_MESSAGE) settle(() => reject(new PortInUseError(s.name, port, s.portVar)));
    };
    child.on('message', onMessage);
    // 'close', not 'exit': it comes after the IPC channel is drained, so a report sent just before the
    // child exited has been handled first.
    child.once('close', (code) =>
      settle(() => reject(new Error(`${s.name} exited with code ${code} before it was listening`))),
    );
  });
}

export async function startSystem(opts: SystemOptions): Promise<RunningSystem> {
  // Tests and benchmarks let each service bind port 0 and report the port it got: picking free ports up
  // front races with other systems started at the same time. Services start in order, so each one's URL
  // is known (from the child's own report) before anything that calls it starts.
  const urls: Partial<Record<ServiceName, string>> = {};
  const env: Record<string, string> = {
    // Node keeps what it compiled, type-stripped sources included, in this directory and reads it back at
    // the next start: a service then never loads the type stripper (a WebAssembly module whose memory,
    // about 20 MB per process, stays resident) and starts about a quarter faster. Safe to share between
    // processes and keyed by each file's content, so an edited file is compiled again (ADR 0001).
    NODE_COMPILE_CACHE: join(ROOT, '.strongbox', 'compile-cache'),
    // glibc gives each thread that allocates (libuv's pool, V8's GC and compiler threads) a malloc arena
    // of its own, whose freed pages stay resident: two arenas keep balance's RSS under load about 20 MB
    // lower (248 → 230 MiB in bench:ledger) at no measurable cost, Node's allocations being mostly on the
    // main thread. Other allocators ignore the variable.
    MALLOC_ARENA_MAX: '2',
    ...(process.env as Record<string, string>),
    DATABASE_URL: opts.databaseUrl,
    HOST: process.env['HOST'] ?? '127.0.0.1',
    ...opts.env,
  };
  for (const s of SERVICES) {
    const port = opts.ports === 'default' ? Number(process.env[s.portVar] || s.port) : 0;
    env[s.portVar] = String(port);
    // Fixed ports are known up front, so a service may be given the URL of one that starts after it.
    if (port !== 0 && s.urlVar) env[s.urlVar] = `http://127.0.0.1:${port}`;
  }
  // The gateway signs the caller's address with this and every service believes it only so signed (ADR
  // 0021). Like a deployment's secret store would, each run provisions one unless it is already set.
  if (!env['GATEWAY_FORWARDING_SECRET']) env['GATEWAY_FORWARDING_SECRET'] = randomBytes(32).toString('hex');
  // The gateway routes the sandbox's /_sim/ controls (for admins) only when the sandbox started here is
  // the bank; with BANK_URL naming another bank they do not exist, whatever the caller's environment says.
  env['GATEWAY_EXPOSE_BANK_SANDBOX'] = String(SERVICES.some((s) => s.name === 'bank-sandbox'));
  // The key that seals stored secrets (ADR 0027): npm start passes the one it keeps; a system started
  // for tests or benchmarks, on a database of its own, gets one for its run (restarts reuse `env`).
  if (!env['SECRETS_KEY']) env['SECRETS_KEY'] = newSecretsKey('run');
  // The sandbox started here notifies deals, which receives the bank's notifications, when deals' address
  // is known before the sandbox starts (fixed ports; with free ports deals starts after it, on a port
  // nobody knows yet). A BANK_NOTIFICATION_URL already set wins.
  const sandboxIsBank = SERVICES.some((s) => s.name === 'bank-sandbox');
  if (sandboxIsBank && env['DEALS_URL'] && !env['BANK_NOTIFICATION_URL'])
    env['BANK_NOTIFICATION_URL'] = `${env['DEALS_URL']}/v1/bank/notifications`;
  // A system of its own (tests, benchmarks) also counts its rate limits apart when they share one Redis.
  if (opts.ports === 'random' && !opts.env?.['RATE_LIMIT_NAMESPACE'])
    env['RATE_LIMIT_NAMESPACE'] = `strongbox-rate-${randomBytes(4).toString('hex')}-`;
  let removeVhost = async () => {};
  if (opts.ports === 'random' && env['AMQP_URL']) {
    const vhost = await isolatedVhost(env['AMQP_URL']);
    env['AMQP_URL'] = vhost.url;
    removeVhost = vhost.remove;
  }
  const children: Array<{ name: ServiceName; child: ChildProcess }> = [];
  let reportExit: (v: { name: ServiceName; code: number | null }) => void = () => {};
  const exited = new Promise<{ name: ServiceName; code: number | null }>((r) => {
    reportExit = r;
  });
  let stopping = false;
  const stop = async () => {
    stopping = true;
    // Stop in reverse order: the entry point first, so no new work reaches services being stopped.
    for (const { child } of [...children].reverse()) await stopChild(child);
    await removeVhost();
  };
  try {
    for (const s of SERVICES) {
      if (s.name === 'orders' && !env['ORDERS_CLIENT_SECRET'])
        Object.assign(env, await serviceClient('orders', env));
      // Deals asks identity who a payer named by email is, as its own service client.
      if (s.name === 'deals' && !env['DEALS_CLIENT_SECRET'])
        Object.assign(env, await serviceClient('deals', env));
      const main = resolve(ROOT, 'services', s.name, 'src', 'main.ts');
      const profile = opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : [];
      const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...profile, main], {
        cwd: ROOT,
        env,
        // The IPC channel is how a service notices that this process died (see serve() in packages/http).
        stdio: ['ignore', opts.output, opts.output === 'ignore' ? 'pipe' : 'inherit', 'ipc'],
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4_000);
      });
      child.once('exit', (code) => {
        if (!stopping) reportExit({ name: s.name, code });
      });
      children.push({ name: s.name, child });
      try {
        const port = await listeningPort(child, s);
        env[s.portVar] = String(port);
        urls[s.name] = `http://127.0.0.1:${port}`;
        if (s.urlVar) env[s.urlVar] = urls[s.name] as string;
        await waitReady(urls[s.name] as string, child, s.name);
      } catch (err) {
        if (err instanceof PortInUseError) throw err;
        throw new Error(`${(err as Error).message}${stderr ? `\n${stderr.trim()}` : ''}`);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const pids = Object.fromEntries(children.map(({ name, child }) => [name, child.pid ?? 0]));
  if (!urls.gateway) throw new Error('the gateway did not start');
  return { urls: { ...urls, gateway: urls.gateway }, pids, env: { ...env }, stop, exited };
}
