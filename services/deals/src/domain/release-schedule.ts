import type { Deal } from './deal.ts';

const HOUR_MS = 3_600_000;

/**
 * When the deal's next timed milestone (`on_date`, `hold_hours`) falls due, or null when none is waiting.
 * The read model keeps it beside the deal so the release job reads only deals that are due; `decide`'s
 * `release_due` stays the judge of what is released. A disputed deal has none: a dispute freezes releases.
 */
export function nextReleaseAt(deal: Deal): Date | null {
  if (deal.fundedAt === null) return null;
  if (deal.status !== 'funded' && deal.status !== 'releasing' && deal.status !== 'partially_refunded')
    return null;
  let next: number | null = null;
  for (const m of deal.milestones) {
    if (m.status !== 'pending' || m.amount === 0n) continue;
    const due =
      m.release.kind === 'on_date'
        ? m.release.at.getTime()
        : m.release.kind === 'hold_hours'
          ? deal.fundedAt.getTime() + m.release.hours * HOUR_MS
          : null;
    if (due !== null && (next === null || due < next)) next = due;
  }
  return next === null ? null : new Date(next);
}
