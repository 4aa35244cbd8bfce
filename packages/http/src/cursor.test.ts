import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '@strongbox/kernel';
import fc from 'fast-check';
import { bigintKey, decodeCursor, encodeCursor, idKey, pageOf } from './cursor.ts';

const INT8_MAX = 9_223_372_036_854_775_807n;

function refusal(run: () => unknown): { status: number; code: string } {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof AppError, `not an AppError: ${String(err)}`);
    return { status: err.status, code: err.code };
  }
  assert.fail('the cursor was accepted');
}

describe('list cursors', () => {
  it('given a cursor this encoder made, then it decodes to its key', () => {
    assert.equal(decodeCursor(encodeCursor('42'), bigintKey), 42n);
    assert.equal(decodeCursor(encodeCursor(INT8_MAX.toString()), bigintKey), INT8_MAX);
    const id = 'ord_01936c2e-7b1a-7cc2-9a43-52b2f0c7a1de';
    assert.equal(decodeCursor(encodeCursor(id), idKey(/^ord_[0-9a-f-]{36}$/)), id);
    assert.equal(decodeCursor(undefined, bigintKey), undefined);
  });

  it('given a number beyond bigint, then it is a 400 invalid_cursor, not a query that fails', () => {
    // base64url of "9999999999999999999", the cursor of the attack run.
    assert.deepEqual(
      refusal(() => decodeCursor('OTk5OTk5OTk5OTk5OTk5OTk5OQ', bigintKey)),
      {
        status: 400,
        code: 'invalid_cursor',
      },
    );
    assert.deepEqual(
      refusal(() => decodeCursor(encodeCursor((INT8_MAX + 1n).toString()), bigintKey)),
      {
        status: 400,
        code: 'invalid_cursor',
      },
    );
  });

  it('given a cursor the encoder could not have made, then it is refused', () => {
    const malformed = [
      '', // empty
      '!!', // not base64url
      'NDI=', // padded
      'NDJ', // stray bits: decodes like "NDI" but is not what the encoder writes
      '_w', // 0xff: not UTF-8
      encodeCursor('-1'),
      encodeCursor('4 2'),
      encodeCursor('acc_x'),
      encodeCursor('4\u00002'),
    ];
    for (const cursor of malformed) {
      assert.deepEqual(
        refusal(() => decodeCursor(cursor, bigintKey)),
        { status: 400, code: 'invalid_cursor' },
      );
    }
    assert.deepEqual(
      refusal(() => decodeCursor(encodeCursor('tr_1'), idKey(/^ord_[0-9a-f-]{36}$/))),
      { status: 400, code: 'invalid_cursor' },
    );
  });

  it('given any text as a cursor, then it decodes to a key within bigint or is a 400 invalid_cursor', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map(encodeCursor),
          fc.bigInt().map((n) => encodeCursor(`${n}`)),
        ),
        (cursor) => {
          try {
            const key = decodeCursor(cursor, bigintKey);
            assert.ok(typeof key === 'bigint' && key >= 0n && key <= INT8_MAX);
          } catch (err) {
            assert.ok(err instanceof AppError);
            assert.deepEqual([err.status, err.code], [400, 'invalid_cursor']);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('pages', () => {
  it('given one item more than the limit, then the next cursor names the last item shown', () => {
    const page = pageOf(
      [3, 2, 1],
      2,
      (n) => `${n}`,
      (n) => ({ n }),
    );
    assert.deepEqual(page.data, [{ n: 3 }, { n: 2 }]);
    assert.equal(page.nextCursor, encodeCursor('2'));
    assert.equal(decodeCursor(page.nextCursor ?? undefined, bigintKey), 2n);
    assert.equal(
      pageOf(
        [3, 2],
        2,
        (n) => `${n}`,
        (n) => n,
      ).nextCursor,
      null,
    );
  });
});
