import {
  fromShkeeperAmount,
  parseShkeeperCallback,
  shkeeperSignature,
  shkeeperStatusOf,
  toShkeeperAmount,
  verifyShkeeperSignature,
} from './shkeeper.protocol';

const SK3 =
  '{"addr":"0xabc","balance_crypto":"10","balance_fiat":"10","crypto":"ETH-USDT","external_id":"INV-1","fee_fixed":"0","fee_percent":"0","fee_policy":"PERCENT_FEE","fiat":"USD","overpaid_fiat":"0.00","paid":true,"status":"PAID","transactions":[{"amount_crypto":"10","amount_fiat":"10","amount_fiat_without_fee":"10","crypto":"ETH-USDT","date":"2024-06-25 15:45:38","fee_fiat":"0","trigger":true,"txid":"0xt1"}]}';

describe('SHKeeper protocol (shkeeper.md §6, §7)', () => {
  it.each([
    ['SK1', '{"id":"evt_1"}', '469f57e18d8f4146bfd4c6160b29f8cecfce479ddf4b828499d50465b09a2c9f'],
    [
      'SK2',
      '{"addr":"bc1qxyz","amount":"0.001","crypto":"BTC","external_id":"ORD-1","status":"unconfirmed","txid":"abc"}',
      '6b7b62503d63d3c1c4388ed1a5b7f405fa4e9b0856f5c976dd30d77904af6dea',
    ],
    ['SK3', SK3, 'ba8d0fbd60c6202796a77d8237e739939f04b9372f40db906fe3943de2f38257'],
    [
      'SK4',
      '{"amount":"2.0000000000","amount_fiat":"2.0","crypto":"ETH-USDT","currency_fiat":"USD","external_id":"PO-1","payout_id":14,"status":"SUCCESS","timestamp":"2024-11-27T13:49:22","tx_hash":"0xfeed"}',
      'af96db4e757bff5529e641dbfc52ad2e189ae1175782b246095cfc0f8691ab21',
    ],
    [
      'SK5',
      '{"external_id":"Заказ-1","status":"PAID"}',
      'f33a33168278f915d7d6d48024fdb156af36062d697650744249896ff855e9dd',
    ],
    [
      "SK5'",
      '{"external_id":"\\u0417\\u0430\\u043a\\u0430\\u0437-1","status":"PAID"}',
      '3c612471c906a7ed247760e72616964b3e72fd878bcaa34922808cfb9cfd501d',
    ],
  ])('signs vector %s over the raw bytes', (_id, body, signature) => {
    expect(shkeeperSignature('APIKEY', '1700000000', body)).toBe(signature);
  });

  it('SK3 is 408 bytes and SK5 46 bytes of UTF-8', () => {
    expect(Buffer.byteLength(SK3, 'utf8')).toBe(408);
    expect(Buffer.byteLength('{"external_id":"Заказ-1","status":"PAID"}', 'utf8')).toBe(46);
  });

  describe('verification (§7.2)', () => {
    const now = 1_700_000_000_000;
    const sig = shkeeperSignature('APIKEY', '1700000000', SK3);
    const verify = (over: Partial<Parameters<typeof verifyShkeeperSignature>[0]>) =>
      verifyShkeeperSignature({
        apiKey: 'APIKEY',
        signature: sig,
        timestamp: '1700000000',
        rawBody: SK3,
        nowMs: now,
        ...over,
      });

    it('accepts the exact bytes, and upper-case hex (normalised)', () => {
      expect(verify({})).toBeNull();
      expect(verify({ signature: ` ${sig.toUpperCase()} ` })).toBeNull();
    });
    it('refuses a changed byte, another key, 63 hex characters and missing headers', () => {
      expect(verify({ rawBody: SK3.replace('"10"', '"11"') })).toBe('bad_signature');
      expect(verify({ apiKey: 'OTHER' })).toBe('bad_signature');
      expect(verify({ signature: sig.slice(1) })).toBe('bad_signature');
      expect(verify({ signature: undefined })).toBe('missing_headers');
      expect(verify({ timestamp: 'soon' })).toBe('bad_timestamp');
    });
    it('takes ±300 s and refuses 301 s either way', () => {
      expect(verify({ nowMs: now + 300_000 })).toBeNull();
      expect(verify({ nowMs: now - 300_000 })).toBeNull();
      expect(verify({ nowMs: now + 301_000 })).toBe('stale_timestamp');
      expect(verify({ nowMs: now - 301_000 })).toBe('stale_timestamp');
    });
    it("SK5' does not match SK5's signature (bytes matter)", () => {
      const sk5 = shkeeperSignature(
        'APIKEY',
        '1700000000',
        '{"external_id":"Заказ-1","status":"PAID"}',
      );
      expect(
        verify({
          signature: sk5,
          rawBody: '{"external_id":"\\u0417\\u0430\\u043a\\u0430\\u0437-1","status":"PAID"}',
        }),
      ).toBe('bad_signature');
    });
  });

  it.each([
    [15_000_000, '150000.00'],
    [1825, '18.25'],
    [1, '0.01'],
    [99_999_999_999, '999999999.99'],
  ])('formats %d minor units as %s (§6.1)', (minor, text) => {
    expect(toShkeeperAmount(minor)).toBe(text);
  });

  it.each([
    ['150000', 15_000_000],
    ['150000.00', 15_000_000],
    ['7.8', 780],
    ['149999.999', 14_999_999],
    ['18.2500000000', 1825],
    ['0E-10', 0],
    ['0.005', 0],
    ['1.5E+2', 15_000],
    ['-1', null],
    ['1e', null],
    ['NaN', null],
    [7.8, null],
  ])('parses %p as %p minor units, rounding down (§6.2, §11 case 18)', (input, minor) => {
    expect(fromShkeeperAmount(input)).toBe(minor);
  });

  it('reads SK3 as a PAID invoice callback with its trigger transaction', () => {
    expect(parseShkeeperCallback(JSON.parse(SK3))).toMatchObject({
      kind: 'invoice',
      externalId: 'INV-1',
      status: 'PAID',
      balanceFiat: 1000,
      overpaidFiat: 0,
      triggerTxid: '0xt1',
      transactions: [{ txid: '0xt1', amountCrypto: '10', amountFiat: 1000, trigger: true }],
    });
  });

  it('dispatches unconfirmed and payout callbacks, and refuses unreadable ones', () => {
    expect(
      parseShkeeperCallback({ status: 'unconfirmed', external_id: 'A', txid: 't', amount: '0.1' }),
    ).toMatchObject({ kind: 'unconfirmed', externalId: 'A', amountCrypto: '0.1' });
    expect(parseShkeeperCallback({ payout_id: 14, external_id: 'PO-1' })).toMatchObject({
      kind: 'payout',
    });
    expect(
      parseShkeeperCallback({ external_id: 'A', status: 'UNPAID', balance_fiat: '0' }),
    ).toBeNull();
    expect(
      parseShkeeperCallback({ external_id: 'A', status: 'PAID', balance_fiat: 10 }),
    ).toBeNull();
    expect(parseShkeeperCallback([])).toBeNull();
  });

  it('computes the status with the 95 / 105 % limits', () => {
    expect(shkeeperStatusOf(0, 1000)).toBe('UNPAID');
    expect(shkeeperStatusOf(949, 1000)).toBe('PARTIAL');
    expect(shkeeperStatusOf(950, 1000)).toBe('PAID');
    expect(shkeeperStatusOf(1049, 1000)).toBe('PAID');
    expect(shkeeperStatusOf(1050, 1000)).toBe('OVERPAID');
  });
});
