/**
 * `npm run bench -- envelope`: the success envelope as a Fastify preSerialization hook (what the
 * gateway does) against the same as a global Nest interceptor, on a minimal Nest app
 * (bench/envelope-variants.server.ts), one after the other in one run, with each server's CPU
 * time per request (user + system, from /proc).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  LoadResult,
  ROOT,
  freePort,
  load,
  startProcess,
  stopProcess,
  writeResults,
} from './support';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function run(
  variant: 'hook' | 'interceptor',
): Promise<LoadResult & { cpuMicrosPerRequest: number }> {
  const port = await freePort();
  const child = await startProcess(
    join(ROOT, 'dist', 'bench', 'envelope-variants.server.js'),
    { PORT: String(port), ENVELOPE: variant },
    `http://127.0.0.1:${port}/health`,
  );
  try {
    const before = cpuSeconds(child.pid!);
    let n = 0;
    const result = await load(`envelope as ${variant}`, {
      url: `http://127.0.0.1:${port}/api/things`,
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      body: () => JSON.stringify({ n: n++ }),
    });
    const cpu = cpuSeconds(child.pid!) - before;
    return { ...result, cpuMicrosPerRequest: Math.round((cpu / result.requests) * 1e6) };
  } finally {
    await stopProcess(child);
  }
}

export async function benchEnvelope(): Promise<void> {
  // A B B A: the machine's load drifts (other work on it), so each variant runs early and late.
  type Run = LoadResult & { variant: string; cpuMicrosPerRequest: number };
  const runs: Run[] = [];
  for (const variant of ['hook', 'interceptor', 'interceptor', 'hook'] as const) {
    runs.push({ variant, ...(await run(variant)) });
  }
  const mean = (variant: string, pick: (r: Run) => number): number => {
    const mine = runs.filter((r) => r.variant === variant);
    return Math.round(mine.reduce((sum, r) => sum + pick(r), 0) / mine.length);
  };
  const rps = {
    hook: mean('hook', (r) => r.requestsPerSecond),
    interceptor: mean('interceptor', (r) => r.requestsPerSecond),
  };
  const cpu = {
    hook: mean('hook', (r) => r.cpuMicrosPerRequest),
    interceptor: mean('interceptor', (r) => r.cpuMicrosPerRequest),
  };
  const summary = [
    `# envelope benchmark (${new Date().toISOString()})`,
    '',
    `POST /api/things on a minimal Nest + Fastify app, ${CONNECTIONS} connections, ${DURATION} s each, run hook, interceptor, interceptor, hook; Node ${process.version}.`,
    '',
    '| target | req/s | p50 ms | p99 ms | requests | non-2xx | errors | CPU µs/request |',
    '|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.name} | ${r.requestsPerSecond} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.requests} | ${r.non2xx} | ${r.errors} | ${r.cpuMicrosPerRequest} |`,
    ),
    '',
    `Means: hook ${rps.hook} req/s at ${cpu.hook} µs CPU per request; interceptor ${rps.interceptor} req/s at ${cpu.interceptor} µs.`,
    `interceptor / hook = ${((rps.interceptor / rps.hook) * 100).toFixed(1)} % of the requests/s, ${((cpu.interceptor / cpu.hook) * 100).toFixed(1)} % of the CPU per request.`,
  ].join('\n');
  process.stdout.write(`${summary}\n`);
  writeResults('envelope', { connections: CONNECTIONS, durationSeconds: DURATION, runs }, summary);
}
