import type { AddressInfo } from 'node:net';
import {
  type Harness,
  PAYMENT_STEP_MS,
  type SandboxOptions,
  SCORING_DELAY_MS,
  startSandbox,
  TOKEN,
} from '../../../services/bank-sandbox/src/test-support.ts';
import { type BankClient, createBankClient } from './bank-client.ts';
import type { BankClientOptions } from './client.ts';
import type { BankClientEvent } from './policy.ts';

/**
 * The real bank sandbox (services/bank-sandbox), started in-process on its own test database as its own
 * tests start it, listening on an ephemeral port so the client talks real HTTP to it.
 */
export interface Bank {
  readonly h: Harness;
  readonly url: string;
  /** A client with short backoff, and every event it reported. */
  readonly client: BankClient;
  readonly events: BankClientEvent[];
  /** Another client of the same sandbox with other options; its events go to `events` too. */
  clientWith(options: Partial<BankClientOptions>): BankClient;
  /** The sandbox's time moves on by one scoring delay or payment step, and its workers run once. */
  tick(ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Short waits for tests: the policy is the same, only its numbers are smaller. */
export const TEST_BACKOFF = { baseMs: 10, capMs: 50 } as const;

export async function startBank(opts: SandboxOptions = {}): Promise<Bank> {
  const h = await startSandbox(opts);
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = h.app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const events: BankClientEvent[] = [];
  const clientWith = (o: Partial<BankClientOptions>) =>
    createBankClient({
      baseUrl: url,
      token: TOKEN,
      backoff: TEST_BACKOFF,
      onEvent: (e) => events.push(e),
      ...o,
    });
  return {
    h,
    url,
    client: clientWith({}),
    events,
    clientWith,
    tick: async (ms = Math.max(SCORING_DELAY_MS, PAYMENT_STEP_MS)) => {
      h.sim.clock.advance(ms);
      await h.tick();
    },
    close: () => h.close(),
  };
}

export const retries = (events: readonly BankClientEvent[]) => events.filter((e) => e.type === 'retry');
