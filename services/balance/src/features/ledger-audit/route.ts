import { ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { BalancePorts } from '../../ports.ts';

const Check = Type.Object({
  name: Type.String(),
  ok: Type.Boolean(),
  description: Type.String(),
  figures: Type.Object({}, { additionalProperties: true }),
  offending: Type.Array(Type.String()),
});

/** Operators check the ledger's invariants on the live database; `ok: false` names the offenders. */
export function ledgerAuditRoute(app: FastifyInstance, ports: BalancePorts): void {
  app.get(
    '/v1/ledger/audit',
    {
      config: { auth: { roles: ['operator', 'admin'] } },
      schema: {
        summary: "Check the ledger's invariants",
        tags: ['ledger'],
        response: {
          200: Type.Object({ ok: Type.Boolean(), checkedAt: Type.String(), checks: Type.Array(Check) }),
          403: ProblemRef,
        },
      },
    },
    async (request) => {
      const report = await ports.audit.run();
      if (!report.ok)
        request.log.error({ checks: report.checks.filter((c) => !c.ok) }, 'ledger audit failed');
      return report;
    },
  );
}
