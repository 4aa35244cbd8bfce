import type { FastifyInstance } from 'fastify';
import { bankErrors } from '../../domain/errors.ts';
import { distortIncoming, type Faults } from '../../domain/faults.ts';
import { numberField, rublesField } from '../../http/lossless-body.ts';
import type { BankPorts } from '../../ports.ts';
import { doc, found, idParams } from '../http.ts';

const TAG = 'Simulation (/_sim/)';
/** Notifications held at once for reordering: enough for any test, small enough to send in one round. */
const REORDER_HELD_MAX = 1_000;
const count = (d: string) => numberField(d, 0, 1_000_000);
const FAULTS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    seed: numberField('Seed of the fault draws (reproducible runs)', 0, 2 ** 31),
    errorRate: numberField('Share of changing calls answered 500', 0, 1, false),
    errorWhen: {
      type: 'string',
      enum: ['before', 'after'],
      description: 'The 500 comes before the call took effect, or after',
    },
    latencyMs: numberField('Delay before each answer', 0, 60_000),
    burst429: count('The next N calls answer 429'),
    dropNotifications: count('The next N notifications are never sent'),
    duplicateNotifications: count('The next N notifications are sent twice'),
    notificationDelayMs: numberField('New notifications wait this long', 0, 86_400_000),
    failingDetails: {
      type: 'array',
      maxItems: 100,
      items: { type: 'string', pattern: '^\\d{13,20}$' },
      description: 'Account or card numbers whose payouts fail',
    },
    scoring: {
      type: 'object',
      description: 'Scoring by INN: stuck or failed',
      maxProperties: 100,
      propertyNames: { pattern: '^\\d{10}(\\d{2})?$' },
      additionalProperties: { type: 'string', enum: ['stuck', 'failed'] },
    },
    // Timeouts, reordered notifications, odd incoming payments.
    timeoutMs: numberField('How long a timed-out call hangs (sandbox time)', 1, 600_000),
    timeoutNext: count('The next N calls hang for timeoutMs'),
    timeoutRate: numberField('Share of calls that hang for timeoutMs', 0, 1, false),
    timeoutWhen: {
      type: 'string',
      enum: ['before', 'after'],
      description: 'The hang comes before the call took effect (then 504), or after it did',
    },
    reorderNotifications: numberField(
      'The next N notifications are held, then sent together out of order',
      0,
      REORDER_HELD_MAX,
    ),
    reorderMode: { type: 'string', enum: ['reverse', 'shuffle'], description: 'How held ones are sent' },
    wrongIncomingAmount: count('The next N POST /_sim/incoming arrive with another amount'),
    unknownIncomingPurpose: count('The next N POST /_sim/incoming arrive with a purpose naming nothing'),
  },
} as const;

type FaultsBody = Partial<Omit<Faults, 'failingDetails' | 'scoring'>> & {
  failingDetails?: string[];
  scoring?: Record<string, 'stuck' | 'failed'>;
};

const showFaults = (f: Faults) => ({
  ...f,
  heldNotifications: [...f.heldNotifications],
  failingDetails: [...f.failingDetails],
  scoring: Object.fromEntries(f.scoring),
});

/**
 * Test controls: money from outside, the bank's clock, faults, and running the bank's own time by hand.
 * Deterministic with a seed; the gateway exposes them only while the sandbox is the configured bank.
 */
export function simRoutes(
  app: FastifyInstance,
  ports: BankPorts,
  tick: () => Promise<{ progressed: number; delivered: number }>,
): void {
  const { sim, store } = ports;
  app.post(
    '/_sim/incoming',
    {
      schema: doc(TAG, 'Money arrives in the nominal account from outside (unidentified until identify)', {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['amount'],
          properties: {
            amount: rublesField('The payment'),
            purpose: { type: 'string', maxLength: 210 },
            payerName: { type: 'string', maxLength: 300 },
            payerInn: { type: 'string', pattern: '^\\d{10}(\\d{2})?$' },
            payerBik: { type: 'string', pattern: '^\\d{9}$' },
            payerAccount: { type: 'string', pattern: '^\\d{20}$' },
            oddity: {
              type: 'string',
              enum: ['wrongAmount', 'unknownPurpose'],
              description: 'Arrive otherwise than sent: another amount, or a purpose that names nothing',
            },
          },
        },
      }),
    },
    async (request, reply) => {
      const b = request.body as {
        amount: bigint;
        purpose?: string;
        payerName?: string;
        payerInn?: string;
        payerBik?: string;
        payerAccount?: string;
        oddity?: 'wrongAmount' | 'unknownPurpose';
      };
      const arrived = arrival(sim, { amount: b.amount, purpose: b.purpose ?? '' }, b.oddity);
      const created = await ports.transaction(async (tx) => {
        const t = await store.insertIncoming(tx, {
          id: ports.newId(),
          amount: arrived.amount,
          payer: {
            name: b.payerName ?? null,
            inn: b.payerInn ?? null,
            bik: b.payerBik ?? null,
            account: b.payerAccount ?? null,
          },
          purpose: arrived.purpose,
          now: sim.clock.now(),
        });
        await ports.notify(tx, {
          type: 'INCOMING_PAYMENT_RECEIVED',
          objectId: t.operationId,
          status: 'UNIDENTIFIED',
          data: { amount: t.amount },
        });
        return t;
      });
      return reply.code(201).send(created);
    },
  );

  app.get('/_sim/clock', { schema: doc(TAG, "The sandbox's time") }, async () => ({
    now: sim.clock.now().toISOString(),
    frozen: sim.clock.frozen,
  }));
  app.post(
    '/_sim/clock',
    {
      schema: doc(TAG, "Advance, freeze or unfreeze the sandbox's clock", {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            advanceMs: numberField('Move time forward', 0, 366 * 86_400_000),
            frozen: { type: 'boolean' },
          },
        },
      }),
    },
    async (request) => {
      const b = request.body as { advanceMs?: number; frozen?: boolean };
      if (b.frozen === true) sim.clock.freeze();
      if (b.frozen === false) sim.clock.unfreeze();
      if (b.advanceMs) sim.clock.advance(b.advanceMs);
      return { now: sim.clock.now().toISOString(), frozen: sim.clock.frozen };
    },
  );

  app.get('/_sim/faults', { schema: doc(TAG, 'The fault switches in force') }, async () =>
    showFaults(sim.faults),
  );
  app.put(
    '/_sim/faults',
    { schema: doc(TAG, 'Set fault switches (the others keep their values)', { body: FAULTS }) },
    async (request) => {
      const b = request.body as FaultsBody;
      if (b.seed !== undefined) sim.reset(b.seed);
      const { failingDetails, scoring, seed: _seed, ...rest } = b;
      Object.assign(sim.faults, rest);
      if (failingDetails) sim.faults.failingDetails = new Set(failingDetails);
      if (scoring) sim.faults.scoring = new Map(Object.entries(scoring));
      return showFaults(sim.faults);
    },
  );
  app.delete('/_sim/faults', { schema: doc(TAG, 'Clear every fault') }, async () => {
    sim.reset(sim.faults.seed);
    return showFaults(sim.faults);
  });

  app.post(
    '/_sim/tick',
    { schema: doc(TAG, "Run one round of the bank's own time now: scorings, payments, notifications") },
    async () => tick(),
  );

  app.post(
    '/_sim/beneficiaries/:beneficiaryId/scoring',
    {
      schema: doc(TAG, "Set a beneficiary's scoring result", {
        params: idParams('beneficiaryId'),
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['status'],
          properties: { status: { type: 'string', enum: ['SUCCEEDED', 'FAILED', 'IN_PROGRESS'] } },
        },
      }),
    },
    async (request) => {
      const { beneficiaryId } = request.params as { beneficiaryId: string };
      const { status } = request.body as { status: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS' };
      return ports.transaction(async (tx) => {
        const errors =
          status === 'FAILED' ? [{ code: 'SCORING_REJECTED', description: 'Set by /_sim/' }] : [];
        if (!(await store.setScoring(tx, beneficiaryId, status, errors, sim.clock.now())))
          throw bankErrors.NOT_FOUND('Beneficiary not found');
        if (status !== 'IN_PROGRESS')
          await ports.notify(tx, { type: 'SCORING_FINISHED', objectId: beneficiaryId, status });
        return found((await store.findScorings(tx, beneficiaryId, 1))[0], 'Beneficiary');
      });
    },
  );
}

/**
 * What reaches the nominal account: what was sent, unless the call or a fault switch makes it odd. Either
 * way it lands unidentified, as the bank leaves a payment it cannot match for the platform to sort out.
 */
function arrival(
  sim: BankPorts['sim'],
  sent: { amount: bigint; purpose: string },
  oddity: 'wrongAmount' | 'unknownPurpose' | undefined,
) {
  const f = sim.faults;
  const wrongAmount = oddity === 'wrongAmount' || f.wrongIncomingAmount > 0;
  const unknownPurpose = oddity === 'unknownPurpose' || f.unknownIncomingPurpose > 0;
  if (f.wrongIncomingAmount > 0) f.wrongIncomingAmount--;
  if (f.unknownIncomingPurpose > 0) f.unknownIncomingPurpose--;
  return distortIncoming(sent, { wrongAmount, unknownPurpose }, sim.random);
}
