import type { FastifyInstance } from 'fastify';
import { BENEFICIARY_TYPES, checkBeneficiary, type NewBeneficiary } from '../../domain/beneficiary.ts';
import { bankErrors } from '../../domain/errors.ts';
import type { BankPorts } from '../../ports.ts';
import { doc, found, idParams, keyed, NOMINAL_PREFIX, PAGE_QUERY, sendOutcome, UUID } from '../http.ts';

const TAG = 'Beneficiaries';
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });
const PROFILE = {
  firstName: text(100),
  lastName: text(100),
  middleName: text(100),
  birthDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
  name: text(300),
  kpp: { type: 'string', pattern: '^\\d{9}$' },
  ogrn: { type: 'string', pattern: '^\\d{13}(\\d{2})?$' },
  phone: { type: 'string', pattern: '^\\+?\\d{10,15}$' },
  email: text(254),
} as const;

const CREATE = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { type: 'string', enum: BENEFICIARY_TYPES },
    inn: { type: 'string', pattern: '^\\d{10}(\\d{2})?$', description: 'Checked by its control digits' },
    isSelfEmployed: { type: 'boolean', description: 'Only for FL_RESIDENT' },
    ...PROFILE,
  },
} as const;
const UPDATE = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { isSelfEmployed: { type: 'boolean' }, ...PROFILE },
} as const;

type Body = NewBeneficiary & Record<string, unknown>;

function profileOf(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([k]) => k in PROFILE));
}

/** Beneficiaries (the owners of virtual accounts) and their scoring. */
export function beneficiaryRoutes(app: FastifyInstance, ports: BankPorts): void {
  const { store, sim } = ports;
  app.post(
    `${NOMINAL_PREFIX}/beneficiaries`,
    { schema: doc(TAG, 'Create a beneficiary; its scoring starts IN_PROGRESS', { body: CREATE }, true) },
    async (request, reply) => {
      const body = request.body as Body;
      const rejection = checkBeneficiary(body);
      if (rejection) throw bankErrors[rejection.code](rejection.message);
      const outcome = await ports.idempotent(keyed(request), async (tx) => {
        const now = sim.clock.now();
        const created = await store.insertBeneficiary(tx, {
          id: ports.newId(),
          type: body.type,
          inn: body.inn,
          isSelfEmployed: body.isSelfEmployed ?? false,
          profile: profileOf(body),
          scoringDueAt: new Date(now.getTime() + ports.settings.scoringDelayMs),
          now,
        });
        return { status: 201, body: created };
      });
      return sendOutcome(reply, outcome);
    },
  );

  app.get(
    `${NOMINAL_PREFIX}/beneficiaries`,
    { schema: doc(TAG, 'List beneficiaries', { querystring: PAGE_QUERY }) },
    async (request) => {
      const q = request.query as { limit: number; offset: number };
      return {
        results: await store.listBeneficiaries(ports.db, q.limit, q.offset),
        limit: q.limit,
        offset: q.offset,
      };
    },
  );

  app.get(
    `${NOMINAL_PREFIX}/beneficiaries/:beneficiaryId`,
    { schema: doc(TAG, 'Get a beneficiary', { params: idParams('beneficiaryId') }) },
    async (request) => {
      const { beneficiaryId } = request.params as { beneficiaryId: string };
      return found(await store.findBeneficiary(ports.db, beneficiaryId), 'Beneficiary');
    },
  );

  app.patch(
    `${NOMINAL_PREFIX}/beneficiaries/:beneficiaryId`,
    {
      schema: doc(TAG, 'Update a beneficiary (not its type or INN)', {
        params: idParams('beneficiaryId'),
        body: UPDATE,
      }),
    },
    async (request) => {
      const { beneficiaryId } = request.params as { beneficiaryId: string };
      const body = request.body as { isSelfEmployed?: boolean } & Record<string, unknown>;
      return ports.transaction(async (tx) => {
        const current = found(await store.findBeneficiary(tx, beneficiaryId), 'Beneficiary');
        const rejection = checkBeneficiary({
          type: current.type,
          inn: current.inn ?? undefined,
          isSelfEmployed: body.isSelfEmployed ?? current.isSelfEmployed,
        });
        if (rejection) throw bankErrors[rejection.code](rejection.message);
        return found(
          await store.updateBeneficiary(tx, beneficiaryId, {
            isSelfEmployed: body.isSelfEmployed,
            profile: profileOf(body),
            now: sim.clock.now(),
          }),
          'Beneficiary',
        );
      });
    },
  );

  app.get(
    '/api/v2/nominal-accounts/beneficiaries/scoring',
    {
      schema: doc(TAG, 'Scoring results: IN_PROGRESS, then SUCCEEDED or FAILED', {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { beneficiaryId: UUID, limit: PAGE_QUERY.properties.limit },
        },
      }),
    },
    async (request) => {
      const q = request.query as { beneficiaryId?: string; limit: number };
      return { results: await store.findScorings(ports.db, q.beneficiaryId, q.limit) };
    },
  );
}
