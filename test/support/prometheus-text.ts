/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: it throws
 * on anything a Prometheus server would refuse or that breaks the format's rules (a sample before
 * its family's TYPE, a family declared twice, a malformed label or value, a histogram whose
 * buckets are not cumulative or lack +Inf), so a test that parses the scrape checks its format.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (a histogram's `_bucket`, `_sum`, `_count` included). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

/** The sample names a family of `type` may have. */
function sampleNamesOf(family: string, type: MetricType): string[] {
  if (type === 'histogram') return [`${family}_bucket`, `${family}_sum`, `${family}_count`];
  if (type === 'summary') return [family, `${family}_sum`, `${family}_count`];
  return [family];
}

/** A value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case; prom-client writes `Nan`). */
function parseValue(text: string, line: number): number {
  if (/^nan$/i.test(text)) return NaN;
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new Error(`line ${line}: "${text}" is not a sample value`);
  return Number(text);
}

/** `{a="x",b="y\"z"}` from `start` (the brace): the labels and the index after the closing brace. */
function parseLabels(
  text: string,
  start: number,
  line: number,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: a label without "="`);
    const name = text.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) throw new Error(`line ${line}: bad label name "${name}"`);
    if (name in labels) throw new Error(`line ${line}: label "${name}" given twice`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label "${name}" is not quoted`);
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const escaped = text[++j];
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else throw new Error(`line ${line}: bad escape \\${escaped} in label "${name}"`);
      } else value += text[j];
    }
    if (j >= text.length) throw new Error(`line ${line}: label "${name}" is not closed`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`line ${line}: expected "," or "}" after a label`);
  }
  return { labels, end: i + 1 };
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, Sample[]>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (sample.name.endsWith('_bucket') && le === undefined)
      throw new Error(`${family.name}: a bucket without "le"`);
    series.set(key, [...(series.get(key) ?? []), sample]);
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name.endsWith('_bucket'));
    const count = samples.find((s) => s.name.endsWith('_count'));
    const sum = samples.find((s) => s.name.endsWith('_sum'));
    const inf = buckets.find((b) => b.labels.le === '+Inf');
    if (!inf || !count || !sum)
      throw new Error(`${family.name}${key}: +Inf bucket, _sum or _count missing`);
    const ordered = [...buckets].sort(
      (a, b) => parseValue(a.labels.le, 0) - parseValue(b.labels.le, 0),
    );
    ordered.reduce((previous, bucket) => {
      if (bucket.value < previous) throw new Error(`${family.name}${key}: buckets not cumulative`);
      return bucket.value;
    }, 0);
    if (inf.value !== count.value) throw new Error(`${family.name}${key}: +Inf bucket ≠ _count`);
  }
}

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  const families = new Map<string, MetricFamily>();
  const helps = new Map<string, string>();
  /** Sample name → its family, for every family whose TYPE has been read. */
  const owners = new Map<string, MetricFamily>();
  const seen = new Set<string>();
  text
    .slice(0, -1)
    .split('\n')
    .forEach((raw, index) => {
      const line = index + 1;
      if (raw.trim() === '') return;
      if (raw.startsWith('#')) {
        const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
        if (!match) return; // a plain comment
        const [, keyword, name, rest] = match;
        if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name "${name}"`);
        if (keyword === 'HELP') {
          if (helps.has(name)) throw new Error(`line ${line}: HELP of ${name} given twice`);
          helps.set(name, rest);
          return;
        }
        if (families.has(name)) throw new Error(`line ${line}: TYPE of ${name} given twice`);
        if (!TYPES.includes(rest as MetricType))
          throw new Error(`line ${line}: unknown type "${rest}"`);
        const family: MetricFamily = { name, type: rest as MetricType, help: '', samples: [] };
        families.set(name, family);
        for (const sampleName of sampleNamesOf(name, family.type)) owners.set(sampleName, family);
        return;
      }
      const nameEnd = raw.search(/[{ ]/);
      if (nameEnd <= 0) throw new Error(`line ${line}: not a sample: ${raw}`);
      const name = raw.slice(0, nameEnd);
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name "${name}"`);
      let rest = raw.slice(nameEnd);
      let labels: Record<string, string> = {};
      if (rest.startsWith('{')) {
        const parsed = parseLabels(raw, nameEnd, line);
        labels = parsed.labels;
        rest = raw.slice(parsed.end);
      }
      const parts = rest.trim().split(' ');
      if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2)
        throw new Error(`line ${line}: expected a value (and a timestamp) after ${name}`);
      const value = parseValue(parts[0], line);
      const family = owners.get(name);
      if (!family) throw new Error(`line ${line}: sample ${name} before its family's TYPE`);
      const identity = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seen.has(identity)) throw new Error(`line ${line}: sample ${identity} given twice`);
      seen.add(identity);
      family.samples.push({ name, labels, value });
    });
  for (const family of families.values()) {
    family.help = helps.get(family.name) ?? '';
    if (family.help === '') throw new Error(`${family.name} has no HELP`);
    if (family.type === 'histogram') checkHistogram(family);
    if (family.type === 'counter' && family.samples.some((s) => s.value < 0))
      throw new Error(`${family.name}: a negative counter`);
  }
  for (const name of helps.keys())
    if (!families.has(name)) throw new Error(`HELP of ${name} without a TYPE`);
  return families;
}

/** Every sample name the families may have (a histogram's `_bucket`, `_sum`, `_count`), observed yet or not. */
export function seriesNames(families: Map<string, MetricFamily>): Set<string> {
  return new Set([...families.values()].flatMap((f) => sampleNamesOf(f.name, f.type)));
}

/** The sum of `name`'s samples whose labels include these. */
export function sampleSum(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  let sum = 0;
  for (const family of families.values())
    for (const sample of family.samples)
      if (
        sample.name === name &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
      )
        sum += sample.value;
  return sum;
}
