import { Caller, STAFF, assertActsFor, scopedFilter, sourceScope } from './caller';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

class Filter {
  source?: string;
  businessId?: string;

  describe(): string {
    return `${this.source ?? '*'}/${this.businessId ?? '*'}`;
  }
}

const filter = (fields: Partial<Filter>): Filter => Object.assign(new Filter(), fields);
const marketplace: Caller = { kind: 'source', source: 'marketplace', keyId: 'key-1' };

function refusalOf(run: () => unknown): unknown {
  try {
    run();
    return null;
  } catch (error) {
    return error;
  }
}

describe('the caller’s scope', () => {
  it('restricts reads by id to a source key’s source; staff reads every source', () => {
    expect(sourceScope(marketplace)).toBe('marketplace');
    expect(sourceScope(STAFF)).toBeNull();
  });

  it('lets a source key act for its own source only (403 FORBIDDEN otherwise); staff for any', () => {
    expect(() => assertActsFor(marketplace, 'marketplace')).not.toThrow();
    expect(() => assertActsFor(STAFF, 'other')).not.toThrow();
    const error = refusalOf(() => assertActsFor(marketplace, 'other'));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: ErrorCode.Forbidden });
  });

  it('clamps a list filter to a source key’s source, keeping its class and other fields', () => {
    const open = scopedFilter(marketplace, filter({ businessId: 'biz_42' }));
    expect(open).toBeInstanceOf(Filter);
    expect(open.describe()).toBe('marketplace/biz_42');
    expect(scopedFilter(marketplace, filter({ source: 'marketplace' })).source).toBe('marketplace');
    expect(refusalOf(() => scopedFilter(marketplace, filter({ source: 'other' })))).toMatchObject({
      code: ErrorCode.Forbidden,
    });
  });

  it('leaves staff’s filter as it is (every source when none is named)', () => {
    const given = filter({ businessId: 'biz_42' });
    expect(scopedFilter(STAFF, given)).toBe(given);
    expect(scopedFilter(STAFF, filter({ source: 'other' })).source).toBe('other');
  });
});
