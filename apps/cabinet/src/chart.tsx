import type { Entry } from './api/types.ts';
import { useUi } from './context.ts';

const WIDTH = 600;
const HEIGHT = 160;
const PAD = 8;

/**
 * The balance over time as a small hand-made SVG line: one point per entry's balanceAfter, oldest on the
 * left. Positions are scaled with BigInt so even huge balances place exactly; only the final pixel
 * coordinate becomes a Number. The numbers themselves are in the entries table beside it.
 */
export function BalanceChart(props: { entries: readonly Entry[]; currency: string }) {
  const { t, money } = useUi();
  const points = [...props.entries].reverse();
  if (points.length === 0) return <p>{t('chartEmpty')}</p>;
  const values = points.map((e) => BigInt(e.balanceAfter));
  const first = values[0]!;
  let min = first;
  let max = first;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min === 0n ? 1n : max - min;
  const innerH = BigInt(HEIGHT - 2 * PAD);
  const xOf = (i: number) =>
    PAD + (points.length === 1 ? (WIDTH - 2 * PAD) / 2 : (i * (WIDTH - 2 * PAD)) / (points.length - 1));
  const yOf = (v: bigint) => PAD + Number(innerH - ((v - min) * innerH) / span);
  const path = values.map((v, i) => `${xOf(i)},${yOf(v)}`).join(' ');
  const last = values[values.length - 1]!;
  const label = `${t('chartTitle')}: ${money(min, props.currency)} – ${money(max, props.currency)}; ${t('balance')} ${money(last, props.currency)}`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label} preserveAspectRatio="none">
        <line x1={PAD} y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} class="axis" />
        <polyline points={path} class="line" />
        {values.map((v, i) => (
          <circle key={points[i]!.version} cx={xOf(i)} cy={yOf(v)} r="3" class="dot" />
        ))}
      </svg>
      <figcaption>
        {money(min, props.currency)} – {money(max, props.currency)}
      </figcaption>
    </figure>
  );
}
