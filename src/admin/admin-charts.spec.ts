import { age, conversionChart, lastDays, paidVolumeCharts } from './admin-charts';
import { Currency } from '../common/money/currency';
import { InvoiceDayStatsDto } from '../invoices/dto/invoice-stats.dto';

const figures = { count: 1, amount: '0', paidCount: 1, refundedCount: 0, refundedAmount: '0' };

describe('admin overview charts', () => {
  it('lastDays: the UTC days ending today, oldest first', () => {
    expect(lastDays(new Date('2026-03-01T23:59:59Z'), 3)).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
    ]);
  });

  it.each([
    [0, '0 min'],
    [59 * 60_000, '59 min'],
    [125 * 60_000, '2 h 5 min'],
    [(3 * 24 + 1) * 3_600_000, '3 d 1 h'],
  ])('age of %i ms is %s', (ms, text) => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(age(new Date(now.getTime() - ms), now)).toBe(text);
  });

  it('one chart per currency: amounts of different currencies never share a scale or a sum', () => {
    const day = '2026-03-01';
    const groups: InvoiceDayStatsDto[] = [
      { day, provider: 'p1', currency: 'UZS', paidAmount: '100000', ...figures },
      { day, provider: 'p1', currency: 'USD', paidAmount: '1500', ...figures },
    ];
    const html = paidVolumeCharts(groups, [day]);
    expect(html).toContain('data-testid="chart-paid-UZS"');
    expect(html).toContain('data-testid="chart-paid-USD"');
    expect(html).not.toContain('1015.00');
    expect(html.indexOf('chart-paid-UZS')).toBeLessThan(html.indexOf('chart-paid-USD'));
  });

  it('draws and states sums past 2^53 to the minor unit', () => {
    const day = '2026-03-01';
    const max = String(Number.MAX_SAFE_INTEGER);
    const groups: InvoiceDayStatsDto[] = [
      { day, provider: 'p1', currency: 'UZS', ...figures, paidAmount: max },
      { day, provider: 'p2', currency: 'UZS', ...figures, paidAmount: max },
    ];
    const html = paidVolumeCharts(groups, [day]);
    // 2 × 9007199254740991 tiyin = 18014398509481982: the day's total, the whole and the top line.
    expect(html).toContain('180143985094819.82 so&#39;m paid in all');
    expect(html).toContain('<td>180143985094819.82 so&#39;m</td></tr>');
    expect(html).toContain('data-amount="9007199254740991"');
    expect(html).toContain('90071992547409.91 so&#39;m</text>');
  });

  it('escapes what comes from the database', () => {
    const html = conversionChart(
      {
        totals: [],
        byStatus: [],
        byProvider: [
          {
            provider: '<script>x</script>',
            currency: 'UZS',
            ...figures,
            amount: '1',
            paidAmount: '1',
          },
        ],
      },
      30,
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('a currency from the database cannot break out of an SVG or HTML attribute', () => {
    // Not a currency the gateway knows: a row written by something else.
    const currency = 'X"><script>alert(1)</script><b a="' as Currency;
    const html = paidVolumeCharts(
      [{ day: '2026-03-01', provider: 'p1', currency, paidAmount: '100', ...figures }],
      ['2026-03-01'],
    );
    expect(html).not.toContain('<script>');
    // Every attribute value is one quoted string without a raw quote or angle bracket in it.
    const tags = html.match(/<[a-z][^>]*>/g) ?? [];
    for (const tag of tags) {
      const rest = tag.replace(/\s[a-zA-Z][a-zA-Z0-9-]*="[^"<>]*"/g, '');
      expect(rest).toMatch(/^<[a-z][a-z0-9]*\/?>$/);
    }
    expect(html).toContain('&quot;&gt;&lt;script&gt;');
    // The chart's accessible name still points at its own title and description.
    const labelledBy = /aria-labelledby="([^"]*)"/.exec(html)![1].split(' ');
    expect(labelledBy).toHaveLength(2);
    for (const id of labelledBy) expect(html).toContain(`id="${id}"`);
  });
});
