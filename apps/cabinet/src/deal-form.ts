/**
 * The deal wizard's form as pure data: what a person typed (amounts and percentages as text) turned into
 * the API's milestones, and the deals service's split preview turned into the lines the wizard shows.
 * Amounts become minor units and percentages basis points by string operations, never through a float;
 * the split itself is never computed here: the preview is the service's own answer (the payout).
 */
import type { NewMilestone, Release, ShareRule, SplitPreview } from './api/types.ts';
import { parseAmount } from './money.ts';

export const RELEASE_KINDS = ['immediate', 'payer_confirms', 'hold_hours', 'on_date'] as const;
export type ReleaseKind = (typeof RELEASE_KINDS)[number];
export type ShareKind = 'percent' | 'fixed';

export interface RecipientRow {
  readonly recipientId: string;
  readonly kind: ShareKind;
  /** "60", "33,33" for a percentage; "1 500,00" for a fixed amount. */
  readonly value: string;
}

export interface MilestoneRow {
  readonly title: string;
  readonly amount: string;
  readonly release: ReleaseKind;
  /** For hold_hours. */
  readonly hours: string;
  /** For on_date: the value of a datetime-local field, read as the browser's local time. */
  readonly at: string;
  readonly recipients: readonly RecipientRow[];
}

/** RUB: two digits; the deals service works in kopecks only. */
const DIGITS = 2;
const AMOUNT_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const HOURS_MAX = 8_760;

export const emptyRecipient = (): RecipientRow => ({ recipientId: '', kind: 'percent', value: '' });
export const emptyMilestone = (): MilestoneRow => ({
  title: '',
  amount: '',
  release: 'immediate',
  hours: '',
  at: '',
  recipients: [emptyRecipient()],
});

/** "33,33" or "33.33" percent as basis points (3333), or null when not 0.01 to 100 with ≤ 2 decimals. */
export function parsePercentBp(text: string): number | null {
  const m = /^(\d{1,3})(?:[.,](\d{0,2}))?$/.exec(text.replace(/[\s%]/g, ''));
  if (!m) return null;
  const bp = Number(`${m[1]}${(m[2] ?? '').padEnd(2, '0')}`);
  return bp >= 1 && bp <= 10_000 ? bp : null;
}

/** Where a row is wrong, for the field's own message. */
export type FieldError =
  | { readonly field: 'title' | 'amount' | 'hours' | 'at' }
  | { readonly field: 'recipientId' | 'share'; readonly index: number };

export type Built =
  | { readonly ok: true; readonly milestone: NewMilestone }
  | { readonly ok: false; readonly error: FieldError };

export function amountOf(row: MilestoneRow): bigint | null {
  const a = parseAmount(row.amount, DIGITS);
  return a !== null && a <= AMOUNT_MAX ? a : null;
}

export function sharesOf(row: MilestoneRow): ShareRule[] | FieldError {
  const out: ShareRule[] = [];
  for (const [index, r] of row.recipients.entries()) {
    const recipientId = r.recipientId.trim();
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(recipientId)) return { field: 'recipientId', index };
    if (r.kind === 'percent') {
      const percentBp = parsePercentBp(r.value);
      if (percentBp === null) return { field: 'share', index };
      out.push({ recipientId, share: { percentBp } });
    } else {
      const fixed = parseAmount(r.value, DIGITS);
      if (fixed === null || fixed > AMOUNT_MAX) return { field: 'share', index };
      out.push({ recipientId, share: { fixed: Number(fixed) } });
    }
  }
  return out;
}

function releaseOf(row: MilestoneRow): Release | FieldError {
  switch (row.release) {
    case 'hold_hours': {
      const hours = /^\d{1,4}$/.test(row.hours.trim()) ? Number(row.hours.trim()) : 0;
      return hours >= 1 && hours <= HOURS_MAX ? { kind: 'hold_hours', hours } : { field: 'hours' };
    }
    case 'on_date': {
      const at = new Date(row.at);
      return row.at && !Number.isNaN(at.getTime())
        ? { kind: 'on_date', at: at.toISOString() }
        : { field: 'at' };
    }
    default:
      return { kind: row.release };
  }
}

/** One milestone as the API takes it, or the first field that is wrong. */
export function buildMilestone(row: MilestoneRow): Built {
  const title = row.title.trim();
  if (title.length === 0 || title.length > 200) return { ok: false, error: { field: 'title' } };
  const amount = amountOf(row);
  if (amount === null) return { ok: false, error: { field: 'amount' } };
  const release = releaseOf(row);
  if ('field' in release) return { ok: false, error: release };
  const recipients = sharesOf(row);
  if ('field' in recipients) return { ok: false, error: recipients };
  return { ok: true, milestone: { title, amount: Number(amount), release, recipients } };
}

export interface PreviewLine {
  readonly recipientId: string;
  /** The rule as typed, for the line's label: "60 %" or a fixed amount in minor units. */
  readonly share: ShareRule['share'];
  readonly amountMinor: bigint;
}

/**
 * The preview's lines in the order of the form's recipients, each with the amount the service answered
 * for it. The service answers one share per rule, so a missing one is a service answer this build does
 * not understand: it is refused rather than shown as zero.
 */
export function previewLines(rules: readonly ShareRule[], answer: SplitPreview): PreviewLine[] | null {
  const byId = new Map(answer.shares.map((s) => [s.recipientId, s.amount]));
  if (byId.size !== rules.length) return null;
  const lines: PreviewLine[] = [];
  for (const r of rules) {
    const amount = byId.get(r.recipientId);
    if (amount === undefined) return null;
    lines.push({ recipientId: r.recipientId, share: r.share, amountMinor: BigInt(amount) });
  }
  return lines;
}

/** Basis points as a percentage's text ("33.33"), by string operations. */
export function bpText(bp: number): string {
  const s = String(bp).padStart(3, '0');
  const whole = s.slice(0, -2);
  const frac = s.slice(-2).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}
