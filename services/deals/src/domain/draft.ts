import type { Deal, Release } from './deal.ts';
import { HOLD_HOURS_MAX, MILESTONES_PER_DEAL_MAX, TITLE_LENGTH_MAX } from './deal.ts';
import type { Actor, DealCommand, DealRejection, Decision } from './decide.ts';
import type { CreatedMilestone, DealEvent } from './events.ts';
import { SPLIT_AMOUNT_MAX, split } from './split.ts';

/**
 * The draft's rules, apart from decide.ts because they are the largest: a deal's terms as created and as
 * revised while draft (PATCH). Pure, like decide; decide routes `create` and `revise` here.
 */

const reject = (code: DealRejection): Decision => ({ ok: false, code });
const accept = (...events: DealEvent[]): Decision => ({ ok: true, events });

/** The agent who drafted the deal, or staff acting for them. */
export function isCreator(deal: Deal, actor: Actor): boolean {
  return actor.kind === 'user' && (actor.userId === deal.createdBy || actor.staff);
}

function validRelease(r: Release): boolean {
  if (r.kind === 'hold_hours') return Number.isInteger(r.hours) && r.hours >= 1 && r.hours <= HOLD_HOURS_MAX;
  if (r.kind === 'on_date') return !Number.isNaN(r.at.getTime());
  return true;
}

type Terms = Omit<Extract<DealCommand, { kind: 'create' }>, 'kind' | 'dealId'>;

/** The rules a deal's terms keep, when created and when revised; the split is computed here once. */
function draftTerms(
  c: Terms,
  creatorId: string,
): { ok: true; title: string; milestones: CreatedMilestone[] } | { ok: false; code: DealRejection } {
  const no = (code: DealRejection) => ({ ok: false as const, code });
  const title = c.title.trim();
  if (title.length === 0 || title.length > TITLE_LENGTH_MAX) return no('deal_invalid');
  if (c.amount < 1n || c.amount > SPLIT_AMOUNT_MAX) return no('deal_invalid');
  if (c.payerId === creatorId) return no('deal_payer_is_recipient');
  if (c.recipientUserIds.includes(c.payerId)) return no('deal_payer_is_recipient');
  if (c.milestones.length === 0 || c.milestones.length > MILESTONES_PER_DEAL_MAX) return no('deal_invalid');
  if (new Set(c.milestones.map((m) => m.id)).size !== c.milestones.length) return no('deal_invalid');
  if (c.milestones.reduce((sum, m) => sum + m.amount, 0n) !== c.amount)
    return no('deal_milestones_sum_mismatch');
  const milestones: CreatedMilestone[] = [];
  for (const m of c.milestones) {
    if (!validRelease(m.release) || m.title.trim().length === 0 || m.title.length > TITLE_LENGTH_MAX)
      return no('deal_invalid');
    if (m.payoutIds.length !== m.rules.length) return no('deal_invalid');
    const shares = split(m.amount, m.rules);
    if (!shares.ok) return no(shares.code);
    milestones.push({
      id: m.id,
      title: m.title.trim(),
      amount: m.amount,
      release: m.release,
      rules: m.rules,
      payouts: shares.shares.map((s, i) => ({
        id: m.payoutIds[i]!,
        recipientId: s.recipientId,
        amount: s.amount,
      })),
    });
  }
  return { ok: true, title, milestones };
}

export function create(c: Extract<DealCommand, { kind: 'create' }>, actor: Actor, at: Date): Decision {
  if (actor.kind !== 'user' || !actor.agent) return reject('deal_forbidden');
  const terms = draftTerms(c, actor.userId);
  if (!terms.ok) return reject(terms.code);
  return accept({
    type: 'deal.created',
    at,
    dealId: c.dealId,
    title: terms.title,
    createdBy: actor.userId,
    payerId: c.payerId,
    amount: c.amount,
    milestones: terms.milestones,
  });
}

export function revise(
  deal: Deal,
  c: Extract<DealCommand, { kind: 'revise' }>,
  actor: Actor,
  at: Date,
): Decision {
  if (actor.kind !== 'user' || !isCreator(deal, actor)) return reject('deal_forbidden');
  if (deal.status !== 'draft') return reject('deal_wrong_status');
  const terms = draftTerms(c, deal.createdBy);
  if (!terms.ok) return reject(terms.code);
  return accept({
    type: 'deal.revised',
    at,
    by: actor.userId,
    title: terms.title,
    payerId: c.payerId,
    amount: c.amount,
    milestones: terms.milestones,
  });
}
