import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { belowMinimum, summarize } from './coverage-summary.ts';

const lcov = (file: string, found: number, hit: number) =>
  `SF:${file}\nLF:${found}\nLH:${hit}\nend_of_record\n`;

describe('coverage gate', () => {
  const rows = summarize(
    lcov('/repo/services/balance/src/a.ts', 100, 95) +
      lcov('/repo/services/orders/src/b.ts', 100, 80) +
      lcov('/repo/services/orders/src/b.test.ts', 100, 0) +
      lcov('/repo/scripts/start.ts', 100, 10),
    '/repo',
  );

  it('given a workspace under the minimum, then it is named; test files and tooling do not count', () => {
    assert.deepEqual(belowMinimum(rows, 90), ['services/orders']);
  });

  it('given no minimum, then nothing fails', () => {
    assert.deepEqual(belowMinimum(rows, undefined), []);
  });
});
