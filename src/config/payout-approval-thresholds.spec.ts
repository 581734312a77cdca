import { parsePayoutApprovalThresholds } from './payout-approval-thresholds';

describe('parsePayoutApprovalThresholds', () => {
  it('reads source:amount pairs; a source may contain ":"', () => {
    const problems: string[] = [];
    const parsed = parsePayoutApprovalThresholds(' shop:1000 , org:eu:0,', problems);
    expect(problems).toEqual([]);
    expect([...parsed]).toEqual([
      ['shop', 1000],
      ['org:eu', 0],
    ]);
    expect(parsePayoutApprovalThresholds(undefined, problems).size).toBe(0);
  });

  it('reports malformed entries and repeated sources instead of guessing', () => {
    const problems: string[] = [];
    parsePayoutApprovalThresholds('shop,:5,a:1.5,b:-1,c:2,c:3', problems);
    expect(problems).toHaveLength(5);
    expect(problems[4]).toContain('"c" twice');
  });
});
