import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMoney, fractionDigits, minorToDecimal, parseAmount } from './money.ts';

// Intl separates groups with narrow or ordinary no-break spaces depending on the locale data.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('money formatting from minor units', () => {
  it('knows each currency’s digits', () => {
    assert.equal(fractionDigits('RUB'), 2);
    assert.equal(fractionDigits('EUR'), 2);
    assert.equal(fractionDigits('JPY'), 0);
  });

  it('formats RUB, EUR and JPY', () => {
    assert.equal(plain(formatMoney(123456n, 'RUB', 'ru')), '1 234,56 ₽');
    assert.equal(plain(formatMoney(123456, 'EUR', 'en')), '€1,234.56');
    assert.equal(plain(formatMoney(5, 'EUR', 'ru')), '0,05 €');
    assert.equal(plain(formatMoney(123456n, 'JPY', 'en')), '¥123,456');
    assert.equal(plain(formatMoney(0, 'RUB', 'en')), 'RUB 0.00');
  });

  it('formats negative amounts', () => {
    assert.equal(plain(formatMoney(-5n, 'EUR', 'en')), '-€0.05');
    assert.equal(plain(formatMoney(-123456n, 'RUB', 'ru')), '-1 234,56 ₽');
    assert.equal(minorToDecimal(-100n, 2), '-1.00');
  });

  it('keeps every digit beyond 2^53', () => {
    const huge = 2n ** 64n + 1n; // 18446744073709551617 minor units
    assert.equal(minorToDecimal(huge, 2), '184467440737095516.17');
    assert.equal(plain(formatMoney(huge, 'EUR', 'en')), '€184,467,440,737,095,516.17');
    assert.equal(plain(formatMoney(huge, 'JPY', 'en')), '¥18,446,744,073,709,551,617');
    assert.equal(plain(formatMoney(-huge, 'RUB', 'ru')), '-184 467 440 737 095 516,17 ₽');
  });

  it('refuses numbers that are not safe integers', () => {
    assert.throws(() => formatMoney(0.1, 'EUR', 'en'), RangeError);
    assert.throws(() => formatMoney(2 ** 53, 'EUR', 'en'), RangeError);
  });
});

describe('parsing typed amounts', () => {
  it('reads whole and fractional units as minor units', () => {
    assert.equal(parseAmount('12', 2), 1200n);
    assert.equal(parseAmount('1 234,5', 2), 123450n);
    assert.equal(parseAmount('0.01', 2), 1n);
    assert.equal(parseAmount('500', 0), 500n);
    assert.equal(parseAmount('92233720368547758.07', 2), 9223372036854775807n);
  });

  it('refuses what is not a positive amount in the currency’s digits', () => {
    for (const bad of ['', '0', '0,00', '-1', '1.234', '1e3', 'abc', '1,2,3', '1'.repeat(41)])
      assert.equal(parseAmount(bad, 2), null, bad);
    assert.equal(parseAmount('1.5', 0), null);
  });
});
