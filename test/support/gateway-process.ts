import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const BUILT_MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  stop(): Promise<number | null>;
}

/** Result of a process that exited on its own (e.g. refused to start). */
export interface ExitedProcess {
  code: number | null;
  output: string;
}

function assertBuilt(): void {
  if (!existsSync(BUILT_MAIN))
    throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` first (npm test does)`);
}

/** The environment a spawned gateway sees: nothing from this process but PATH and HOME. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  // METRICS_PORT 0: each process scrapeable on a free port, none on another's (the default 9464).
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'warn',
    METRICS_PORT: '0',
    ...env,
  };
}

/** Starts the built gateway (`node dist/src/main.js`) and resolves once it listens. */
export function startGateway(env: Record<string, string>, cwd: string): Promise<GatewayProcess> {
  assertBuilt();
  const child = spawn(process.execPath, [BUILT_MAIN], {
    env: childEnv({ PORT: '0', HOST: '127.0.0.1', ...env }),
    cwd,
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on [^:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          port: Number(match[1]),
          output: () => output,
          stop: () =>
            new Promise((done) => {
              child.once('exit', (code) => done(code));
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${output}`));
    });
  });
}

/** Runs the built gateway expecting it to exit by itself. */
export function runGatewayToExit(env: Record<string, string>, cwd: string): Promise<ExitedProcess> {
  assertBuilt();
  const child = spawn(process.execPath, [BUILT_MAIN], {
    env: childEnv({ PORT: '0', ...env }),
    cwd,
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
