import {
  callerOf,
  decodeCursor,
  idempotently,
  idKey,
  type Principal,
  problemResponse,
} from '@strongbox/http';
import { jsonResponse, type StoredResponse } from '@strongbox/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Release } from '../domain/deal.ts';
import type { Actor, NewMilestone } from '../domain/decide.ts';
import { dealErrors } from '../domain/errors.ts';
import { resolvePlatformFee } from '../domain/platform-fee.ts';
import type { ShareRule } from '../domain/split.ts';
import { type DealView, dealView } from '../domain/view.ts';
import type { CommandInput, CommandOutcome, DealsPorts } from '../ports.ts';
import type { MilestoneBody, ReleaseInput, ShareInput } from './schemas.ts';

/** Helpers the deal routes share: who the caller is to a deal, access checks, and command answers. */

export function isStaff(p: Principal): boolean {
  return p.roles.includes('operator') || p.roles.includes('admin');
}

/** The caller as decide sees them; roles come from the verified token, never from the body. */
export function actorOf(p: Principal): Actor {
  return { kind: 'user', userId: p.sub, staff: isStaff(p), agent: p.roles.includes('agent') };
}

/** The deal if the caller is a party or staff; otherwise, whether it exists or not, 404. */
export async function visibleDeal(ports: DealsPorts, caller: Principal, id: string): Promise<DealView> {
  const view = await ports.findView(id);
  if (!view || !(isStaff(caller) || view.createdBy === caller.sub || view.payerId === caller.sub))
    throw dealErrors.deal_not_found(`No deal ${id}`);
  return view;
}

/** Deal lists run newest first, by id: a cursor is the last id of a page. */
export function beforeIdOf(cursor: string | undefined): string | undefined {
  return decodeCursor(cursor, idKey(/^deal_[0-9a-f-]{36}$/));
}

/** How a command's outcome is answered (and stored under its Idempotency-Key): the deal, or a problem. */
export function commandAnswer(
  request: FastifyRequest,
  status = 200,
): (outcome: CommandOutcome) => StoredResponse {
  return (outcome) =>
    outcome.ok
      ? jsonResponse(status, dealView(outcome.deal))
      : problemResponse(request, dealErrors[outcome.code]());
}

/** Runs a keyed command on a deal and sends its answer. */
export function keyedCommand(
  request: FastifyRequest,
  reply: FastifyReply,
  ports: DealsPorts,
  input: Omit<CommandInput, 'actor' | 'traceId'> & { actor?: Actor },
  status = 200,
): Promise<FastifyReply> {
  const full: CommandInput = {
    actor: actorOf(callerOf(request)),
    ...input,
    traceId: request.traceId,
  };
  return idempotently(request, reply, (req) => ports.keyedCommand(req, full, commandAnswer(request, status)));
}

export function ruleOf(r: { recipientId: string; share: ShareInput }): ShareRule {
  return {
    recipientId: r.recipientId,
    share: 'fixed' in r.share ? { fixed: BigInt(r.share.fixed) } : { percentBp: r.share.percentBp },
  };
}

export function releaseOf(r: ReleaseInput): Release {
  return r.kind === 'on_date' ? { kind: 'on_date', at: new Date(r.at) } : r;
}

/**
 * The shares of a request as split takes them: a share naming `platform_fee` becomes the configured
 * platform profile's, with the fee's minimum; naming it without one configured is refused.
 */
export function rulesOf(
  ports: Pick<DealsPorts, 'platformFee'>,
  recipients: ReadonlyArray<{ recipientId: string; share: ShareInput }>,
): ShareRule[] {
  const resolved = resolvePlatformFee(recipients.map(ruleOf), ports.platformFee);
  if (!resolved.ok) throw dealErrors[resolved.code]();
  return resolved.rules;
}

/** The milestones of a request, each with fresh ids for itself and its payouts. */
export function newMilestones(ports: DealsPorts, body: readonly MilestoneBody[]): NewMilestone[] {
  return body.map((m) => ({
    id: ports.newId('mst'),
    title: m.title,
    amount: BigInt(m.amount),
    release: releaseOf(m.release),
    rules: rulesOf(ports, m.recipients),
    payoutIds: m.recipients.map(() => ports.newId('pay')),
  }));
}

/** The users behind the milestones' recipients; a recipient without a payout profile is refused. */
export async function recipientUserIdsOf(
  ports: DealsPorts,
  milestones: readonly NewMilestone[],
): Promise<string[]> {
  const ids = [...new Set(milestones.flatMap((m) => m.rules.map((r) => r.recipientId)))];
  const users = await ports.recipientUsers(ids);
  const missing = ids.filter((id) => !users.has(id));
  if (missing.length > 0)
    throw dealErrors.recipient_not_found(`No payout profile for ${missing.join(', ')}`, {
      errors: missing.map((id) => ({ field: 'body/milestones', message: `recipient ${id} has no profile` })),
    });
  return ids.map((id) => users.get(id) as string);
}
