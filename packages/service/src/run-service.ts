import {
  configOrExit,
  createLogger,
  type ForwardingPolicy,
  forwardingPolicyOf,
  jwksUrlOf,
  jwtVerifier,
  type Logger,
  loadDevelopmentEnv,
  orExit,
  remoteKeys,
  requireForwardingSecretInProduction,
  serve,
  type TokenVerifier,
} from '@strongbox/http';
import { type Clock, systemClock } from '@strongbox/kernel';
import {
  createMessagingMetrics,
  type RunningConsumer,
  startConsumer,
  startRelay,
  type Transport,
  transportFor,
} from '@strongbox/messaging';
import {
  type MigrationModule,
  openServiceDatabase,
  type Pool,
  requireDatabaseUrl,
  schedulePeriodicJob,
} from '@strongbox/postgres';
import type { ServiceParts } from './parts.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** What the kit reads from every service's configuration (SERVICE_CONFIG_FIELDS spell them so). */
export interface BaseSettings {
  readonly HOST: string;
  readonly LOG_LEVEL: string;
  /** Secrets whose signature makes the gateway's X-Forwarded-For believed; absent: no such setting. */
  readonly GATEWAY_FORWARDING_SECRET?: readonly string[];
}
interface DatabaseSettings {
  readonly DATABASE_URL?: string | undefined;
  readonly DATABASE_POOL_MAX: number;
}
interface EventSettings {
  readonly AMQP_URL?: string | undefined;
}
interface IdentitySettings {
  readonly JWT_ISSUER: string;
  readonly JWT_AUDIENCE: string;
  readonly IDENTITY_URL: string;
  readonly IDENTITY_JWKS_URL: string | undefined;
}
type AllSettings = BaseSettings & Partial<DatabaseSettings & EventSettings & IdentitySettings>;

/** The service's schema migrations: its own directory and the shared modules it uses (outbox, inbox…). */
export interface MigrationSet {
  readonly dir: string;
  readonly modules?: readonly MigrationModule[];
}

/** The event transport (RabbitMQ with AMQP_URL, else PostgreSQL); `relay` also publishes the outbox. */
export interface EventsNeed {
  readonly relay: boolean;
}

type Has<T, Need, Then> = T extends Need ? Then : unknown;

/** The settings a service's needs require of its configuration. */
type SettingsFor<D, E, V> = Has<D, MigrationSet, DatabaseSettings> &
  Has<E, EventsNeed, EventSettings> &
  Has<V, 'identity', IdentitySettings>;

/** What `build` receives: always the configuration, a logger and the clock; the rest as declared. */
export type ServiceKit<C, D = undefined, E = undefined, V = undefined> = {
  readonly config: C;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Whose X-Forwarded-For createHttpApp believes: the gateway's, signed with GATEWAY_FORWARDING_SECRET. */
  readonly forwarding: ForwardingPolicy;
} & Has<D, MigrationSet, { readonly pool: Pool }> &
  Has<E, EventsNeed, { readonly transport: Transport }> &
  Has<V, 'identity', { readonly verifier: TokenVerifier }>;

export interface ServiceDefinition<
  C extends BaseSettings,
  D extends MigrationSet | undefined,
  E extends EventsNeed | undefined,
  V extends 'identity' | undefined,
> {
  readonly service: string;
  /** The PostgreSQL schema when it cannot be the service's name (a name with a hyphen, say). */
  readonly schema?: string;
  /** Reads and checks the configuration; a ConfigError ends the process with one line. */
  readonly config: (env: Env) => C & SettingsFor<D, E, V>;
  readonly port: (config: C) => number;
  /** A pool on the service's own schema, migrated at start (DATABASE_URL is then required). */
  readonly database?: D;
  readonly events?: E;
  /** 'identity': access tokens are checked against identity's published keys (IDENTITY_JWKS_URL). */
  readonly verifier?: V;
  /** The service's buildApp, given what it declared. */
  build(kit: NoInfer<ServiceKit<C, D, E, V>>): Promise<ServiceParts>;
}

/**
 * Starts a service as a container runs it: development env, configuration, logger, database with its
 * migrations, token verifier, transport, the HTTP app and what runs beside it (relay, consumers,
 * workers, periodic jobs), then listens. On SIGTERM it stops taking work first and closes the pool last.
 *
 * @example
 * await runService({
 *   service: 'orders',
 *   config: ordersConfig,
 *   port: (c) => c.ORDERS_PORT,
 *   database: MIGRATIONS,
 *   events: { relay: true },
 *   verifier: 'identity',
 *   build: (kit) => buildApp({ ...kit, balanceUrl: kit.config.BALANCE_URL }),
 * });
 */
export async function runService<
  C extends BaseSettings,
  D extends MigrationSet | undefined = undefined,
  E extends EventsNeed | undefined = undefined,
  V extends 'identity' | undefined = undefined,
>(def: ServiceDefinition<C, D, E, V>): Promise<void> {
  const { service } = def;
  loadDevelopmentEnv();
  const config = configOrExit(service, () => {
    const c = def.config(process.env);
    if (def.database) requireDatabaseUrl(c as AllSettings);
    const secrets = (c as AllSettings).GATEWAY_FORWARDING_SECRET;
    if (secrets) requireForwardingSecretInProduction({ GATEWAY_FORWARDING_SECRET: secrets }, process.env);
    return c;
  });
  const settings = config as AllSettings;
  const logger = createLogger({ service, level: settings.LOG_LEVEL });
  const clock = systemClock;
  const pool = def.database
    ? await orExit(
        service,
        openServiceDatabase({
          service: def.schema ?? service,
          url: settings.DATABASE_URL!,
          sizeMax: settings.DATABASE_POOL_MAX!,
          migrations: def.database,
          log: logger,
        }),
      )
    : undefined;
  // jose caches the key set and refetches it when a token names a key it has not seen.
  const verifier =
    def.verifier === 'identity'
      ? jwtVerifier({
          keys: remoteKeys(jwksUrlOf(settings as IdentitySettings)),
          issuer: settings.JWT_ISSUER!,
          audience: settings.JWT_AUDIENCE!,
        })
      : undefined;
  const transport = def.events
    ? transportFor({ service, amqpUrl: settings.AMQP_URL, pool: needPool(pool, 'events'), logger })
    : undefined;
  const forwarding = forwardingPolicyOf(settings.GATEWAY_FORWARDING_SECRET ?? []);
  const kit = { config, logger, clock, forwarding, pool, verifier, transport };
  const parts = await def.build(kit as unknown as ServiceKit<C, D, E, V>);
  await serve(parts.app, {
    service,
    port: def.port(config),
    host: settings.HOST,
    closers: await startParts(parts, { service, logger, clock, pool, transport, relay: def.events?.relay }),
  });
}

/**
 * Starts what runs beside the app and answers the closers in shutdown order: intake stops first (jobs,
 * consumers), then the workers finish what they hold, then the service's own closers, then the relay
 * (what is committed stays in the outbox for the next leader), the transport and, last, the pool. The
 * app itself has stopped taking requests before any of them (serve).
 */
async function startParts(
  parts: ServiceParts,
  deps: {
    service: string;
    logger: Logger;
    clock: Clock;
    pool: Pool | undefined;
    transport: Transport | undefined;
    relay: boolean | undefined;
  },
): Promise<Array<() => Promise<void>>> {
  const { service, logger, clock, pool, transport } = deps;
  const metrics =
    transport && parts.metricsRegistry ? createMessagingMetrics(parts.metricsRegistry) : undefined;
  const relay = deps.relay
    ? await startRelay({
        pool: needPool(pool, 'a relay'),
        schema: service,
        transport: transport!,
        logger,
        clock,
        metrics,
      })
    : undefined;
  for (const w of parts.workers ?? []) w.start();
  const consumers: RunningConsumer[] = [];
  for (const spec of parts.consumers ?? []) {
    if (!transport) throw new Error(`${service}: consumer ${spec.name} needs the service to declare events`);
    consumers.push(
      await startConsumer(spec, { pool: needPool(pool, 'consumers'), transport, logger, clock, metrics }),
    );
  }
  const jobs = (parts.periodicJobs ?? []).map((job) =>
    schedulePeriodicJob({ ...job, pool: needPool(pool, job.name) }),
  );
  return [
    async () => {
      for (const j of jobs) j.stop();
    },
    ...consumers.map((c) => () => c.stop()),
    ...(parts.workers ?? []).map((w) => () => w.stop()),
    ...(parts.closers ?? []),
    ...(relay ? [() => relay.stop()] : []),
    ...(transport ? [() => transport.close()] : []),
    ...(pool ? [() => pool.end()] : []),
  ];
}

function needPool(pool: Pool | undefined, what: string): Pool {
  if (!pool) throw new Error(`${what} needs the service to declare a database`);
  return pool;
}
