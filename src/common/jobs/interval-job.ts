import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

/**
 * Registers `run` every `everyMs` under `name` in the scheduler registry (visible to the admin
 * jobs view), never overlapping itself and logging failures instead of crashing the process.
 * Jobs must be safe on any number of instances; this only keeps one instance from piling up.
 */
export function registerIntervalJob(
  registry: SchedulerRegistry,
  name: string,
  everyMs: number,
  run: () => Promise<unknown>,
): void {
  const logger = new Logger(name);
  let running = false;
  const tick = (): void => {
    if (running) return;
    running = true;
    run()
      .catch((error: unknown) => logger.error({ err: error }, 'Scheduled job failed'))
      .finally(() => {
        running = false;
      });
  };
  const handle = setInterval(tick, everyMs);
  handle.unref();
  registry.addInterval(name, handle);
}
