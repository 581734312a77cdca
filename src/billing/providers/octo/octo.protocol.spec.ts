import {
  fromOctoAmount,
  octoHashKeySignature,
  octoLegacySignature,
  octoSignature,
  octoSignatureProbe,
  toOctoAmount,
  verifyOctoSignature,
} from './octo.protocol';

const UUID = '4556a13e-f763-4b91-9387-92395fd51ccf';

describe('Octo notification signatures (octo.md §8.4 vectors)', () => {
  it('O1–O3: F1 with the unique key, upper case', () => {
    expect(octoSignature('UNIQUEKEY', UUID, 'succeeded')).toBe(
      '1ED00039A0812D6939E7B413B8EA19B1E765D5B2',
    );
    expect(octoSignature('UNIQUEKEY', UUID, 'waiting_for_capture')).toBe(
      'DBDB6D8EE883801207A83BDB50B54F5C25DE555E',
    );
    expect(octoSignature('UNIQUEKEY', UUID, 'canceled')).toBe(
      'A6949DA711F2819496331DE83568DF9B6912DDFC',
    );
  });

  it('O4: signed with octo_secret instead of the unique key is another signature', () => {
    expect(octoSignature('SECRET', UUID, 'succeeded')).toBe(
      '753382026BE2E5284D0D50CB6F368C90E1E86CAE',
    );
  });

  it("O5: the Go client's inputs", () => {
    expect(octoSignature('uniq', 'uuid-1', 'succeeded').toLowerCase()).toBe(
      '6ef6f09e36f481d7438503ab40e2a5976f03f461',
    );
  });

  it('O6, O6b: F2 with lower- and upper-case inner hash', () => {
    expect(octoHashKeySignature('SECRET', 'HASHKEY', UUID, 'succeeded')).toBe(
      '89D8B722E8AF6574BFE20B4603A4D2CE1849B17A',
    );
    expect(octoHashKeySignature('SECRET', 'HASHKEY', UUID, 'succeeded', 'upper')).toBe(
      '23FC68EE9DEC543899F3CE3F6F121619EDBDC7E0',
    );
  });

  it('O7: F3, the legacy salted formula', () => {
    expect(octoLegacySignature('SECRET', 'HASHKEY', UUID, 'succeeded')).toBe(
      '61682879F63A6A93D8BE7D0CCE65AE8C9CEB8BB6',
    );
  });

  it('O8: status is hashed exactly as received', () => {
    expect(octoSignature('UNIQUEKEY', UUID, 'Succeeded')).toBe(
      'D5257FCB4BC2DB4E08BF183CEC13DC8ADC41C681',
    );
  });

  const fields = (signature: string, status = 'succeeded') => ({
    octo_payment_UUID: UUID,
    status,
    hash_key: 'HASHKEY',
    signature,
  });
  const creds = { secret: 'SECRET', uniqueKey: 'UNIQUEKEY' };

  it('verifies O1 in upper and lower case, refuses O4, a changed status and a short value', () => {
    expect(verifyOctoSignature(fields('1ED00039A0812D6939E7B413B8EA19B1E765D5B2'), creds)).toBe(
      true,
    );
    expect(verifyOctoSignature(fields('1ed00039a0812d6939e7b413b8ea19b1e765d5b2'), creds)).toBe(
      true,
    );
    expect(verifyOctoSignature(fields('753382026BE2E5284D0D50CB6F368C90E1E86CAE'), creds)).toBe(
      false,
    );
    expect(
      verifyOctoSignature(fields('1ED00039A0812D6939E7B413B8EA19B1E765D5B2', 'canceled'), creds),
    ).toBe(false);
    expect(verifyOctoSignature(fields('1ED0'), creds)).toBe(false);
  });

  it('without a unique key nothing verifies; hash_key mode takes F2 and not F1', () => {
    expect(
      verifyOctoSignature(fields('1ED00039A0812D6939E7B413B8EA19B1E765D5B2'), { secret: 'SECRET' }),
    ).toBe(false);
    const f2 = { ...creds, signatureMode: 'hash_key' };
    expect(verifyOctoSignature(fields('89D8B722E8AF6574BFE20B4603A4D2CE1849B17A'), f2)).toBe(true);
    expect(verifyOctoSignature(fields('1ED00039A0812D6939E7B413B8EA19B1E765D5B2'), f2)).toBe(false);
    // F3 is never accepted automatically.
    expect(verifyOctoSignature(fields('61682879F63A6A93D8BE7D0CCE65AE8C9CEB8BB6'), f2)).toBe(false);
  });
});

describe('Octo signature probe (octo.md §8.3)', () => {
  const creds = { secret: 'SECRET', uniqueKey: 'UNIQUEKEY' };
  const probe = (signature: string) =>
    octoSignatureProbe(
      { octo_payment_UUID: UUID, status: 'succeeded', hash_key: 'HASHKEY', signature },
      creds,
    );

  it('names the formula that reproduces each vector (O1, O6, O6b, O7) and none for a forgery', () => {
    expect(probe('1ed00039a0812d6939e7b413b8ea19b1e765d5b2')).toEqual(['F1']);
    expect(probe('89D8B722E8AF6574BFE20B4603A4D2CE1849B17A')).toEqual(['F2']);
    expect(probe('23FC68EE9DEC543899F3CE3F6F121619EDBDC7E0')).toEqual(['F2 (upper-case inner)']);
    expect(probe('61682879F63A6A93D8BE7D0CCE65AE8C9CEB8BB6')).toEqual(['F3']);
    expect(probe('753382026BE2E5284D0D50CB6F368C90E1E86CAE')).toEqual([]);
  });
});

describe('Octo amounts in major units (octo.md §3)', () => {
  it.each([
    [15000000, '150000'],
    [10333, '103.33'],
    [1, '0.01'],
    [29, '0.29'],
    [110, '1.1'],
    [99999999999, '999999999.99'],
    [0, '0'],
  ])('%i tiyin is sent as the JSON number %s and parses back exactly', (tiyin, text) => {
    expect(JSON.stringify(toOctoAmount(tiyin, 'UZS'))).toBe(text);
    expect(fromOctoAmount(JSON.parse(text))).toBe(tiyin);
  });

  it('§11 case 20: 0.29 → 29, 1.1 → 110, and never truncates 0.57, 1.15', () => {
    expect(fromOctoAmount(0.29)).toBe(29);
    expect(fromOctoAmount(1.1)).toBe(110);
    expect(fromOctoAmount(0.57)).toBe(57);
    expect(fromOctoAmount(1.15)).toBe(115);
    expect(fromOctoAmount('103.33')).toBe(10333);
  });

  it('§11 case 20: 0.005, 1.005, negatives, NaN and non-numbers are rejected', () => {
    for (const bad of [0.005, 1.005, -1, Number.NaN, Infinity, '1e3', '', null, undefined, {}]) {
      expect(fromOctoAmount(bad)).toBeNull();
    }
  });

  it('every tiyin amount below 1 000 000 round-trips', () => {
    const wrong: number[] = [];
    for (let t = 0; t < 1_000_000; t++) {
      if (fromOctoAmount(JSON.parse(JSON.stringify(toOctoAmount(t, 'USD')))) !== t) wrong.push(t);
    }
    expect(wrong).toEqual([]);
  });
});
