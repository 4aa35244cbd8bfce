import type { Harness } from './test-support.ts';

export const SE = '/api/v1/self-employed';

const W1 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const W2 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const controlOf = (digits: number[], weights: number[]) =>
  (weights.reduce((s, w, i) => s + w * (digits[i] as number), 0) % 11) % 10;

/** A person's INN valid by its control digits, different for each `n` (computed apart from the sandbox). */
export function personInn(n: number): string {
  const digits = [...`77${String(n).padStart(8, '0')}`].map(Number);
  digits.push(controlOf(digits, W1));
  digits.push(controlOf(digits, W2));
  return digits.join('');
}

let next = 1;
/** A fresh INN for each call within a test file. */
export const freshInn = () => personInn(next++);

/** The async call's result once it is ready (the sandbox's clock moved past its delay). */
export async function resultOf(h: Harness, path: string, correlationId: string) {
  h.sim.clock.advance(1_000);
  const res = await h.call('GET', `${SE}/${path}/result?correlationId=${correlationId}`);
  if (res.status !== 200) throw new Error(res.text);
  return res.json;
}

/** A recipient created and registered (ACTIVE after one tick past its registration). */
export async function activeRecipient(h: Harness, inn = freshInn()): Promise<{ id: number; inn: string }> {
  const started = await h.create(`${SE}/recipients/create`, {
    recipients: [{ number: 1, inn, firstName: 'Olga', lastName: 'Smirnova' }],
  });
  if (started.status !== 200) throw new Error(started.text);
  const result = await resultOf(h, 'recipients/create', started.json.correlationId);
  const id = result.recipientResults[0].recipientId as number;
  h.sim.clock.advance(1_000);
  await h.tick();
  return { id, inn };
}

/** Runs an async registry call and answers its result. */
export async function registryCall(h: Harness, action: string, body: object | string) {
  const started = await h.create(`${SE}/payment-registry/${action}`, body);
  if (started.status !== 200) throw new Error(started.text);
  return resultOf(h, `payment-registry/${action}`, started.json.correlationId);
}

/** A registry of one payment per recipient, created, signed and paid: its receipts IN_PROGRESS. */
export async function paidRegistry(h: Harness, payments: Array<{ recipientId: number; sum: string }>) {
  const list = payments.map(
    (p, i) => `{"number":${i + 1},"recipientId":${p.recipientId},"sum":${p.sum},"paymentPurpose":"Services"}`,
  );
  const created = await registryCall(h, 'create', `{"payments":[${list.join(',')}]}`);
  if (created.status !== 'CREATED') throw new Error(JSON.stringify(created));
  const id = created.paymentRegistryId as number;
  await registryCall(h, 'submit', { paymentRegistryId: id });
  const paid = await registryCall(h, 'pay', { paymentRegistryId: id });
  return { id, paid };
}
