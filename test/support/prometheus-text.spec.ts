import { parsePrometheusText, sampleSum, seriesNames } from './prometheus-text';

const VALID = `# HELP requests_total Requests.
# TYPE requests_total counter
requests_total{route="/a/:id",note="say \\"hi\\"\\n"} 3
requests_total{route="/b"} 1.5e1
# HELP latency_seconds Latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 1
latency_seconds_bucket{le="+Inf"} 2
latency_seconds_sum 0.3
latency_seconds_count 2
# HELP age_seconds Age.
# TYPE age_seconds gauge
age_seconds Nan
`;

describe('parsePrometheusText (strict, for the metrics tests)', () => {
  it('reads families, types, help, labels with escapes and special values (Nan as prom-client writes it)', () => {
    const families = parsePrometheusText(VALID);
    expect([...families.keys()]).toEqual(['requests_total', 'latency_seconds', 'age_seconds']);
    expect(families.get('requests_total')).toMatchObject({ type: 'counter', help: 'Requests.' });
    expect(families.get('requests_total')!.samples[0].labels).toEqual({
      route: '/a/:id',
      note: 'say "hi"\n',
    });
    expect(sampleSum(families, 'requests_total')).toBe(18);
    expect(sampleSum(families, 'latency_seconds_count')).toBe(2);
    expect(sampleSum(families, 'age_seconds')).toBeNaN();
    expect(seriesNames(families)).toEqual(
      new Set([
        'requests_total',
        'latency_seconds_bucket',
        'latency_seconds_sum',
        'latency_seconds_count',
        'age_seconds',
      ]),
    );
  });

  // [what, the line, the line it replaces (1-based), or minus the line it goes after (0: first), error]
  it.each([
    ['a sample before its TYPE', 'other_total 1', 0, /before its family's TYPE/],
    [
      'a family typed twice',
      '# TYPE requests_total counter',
      -4,
      /TYPE of requests_total given twice/,
    ],
    ['an unknown type', '# TYPE requests_total countr', 2, /unknown type/],
    ['a bad escape', 'requests_total{route="\\d"} 1', 4, /bad escape/],
    ['an unquoted label', 'requests_total{route=b} 1', 4, /not quoted/],
    ['a bad value', 'requests_total{route="/c"} one', 4, /not a sample value/],
    ['a repeated sample', 'requests_total{route="/b"} 2', -4, /given twice/],
    ['a negative counter', 'requests_total{route="/c"} -1', 4, /negative counter/],
    ['a bucket above the next', 'latency_seconds_bucket{le="0.1"} 3', 7, /not cumulative/],
  ])('refuses %s', (_, line, at, error) => {
    const lines = VALID.split('\n');
    if (at > 0) lines[at - 1] = line;
    else lines.splice(-at, 0, line);
    expect(() => parsePrometheusText(lines.join('\n'))).toThrow(error);
  });

  it('refuses a family without HELP and a text without its final newline', () => {
    expect(() => parsePrometheusText(VALID.replace('# HELP age_seconds Age.\n', ''))).toThrow(
      /age_seconds has no HELP/,
    );
    expect(() => parsePrometheusText(VALID.slice(0, -1))).toThrow(/newline/);
    expect(() =>
      parsePrometheusText(VALID.replace('latency_seconds_bucket{le="+Inf"} 2\n', '')),
    ).toThrow(/\+Inf bucket/);
  });
});
