import { createApp } from './app.factory';
import { AppConfig } from './config/app-config';
import { ConfigError, loadConfigFromProcess } from './config/load-config';
import { prepareDatabase, runMigrations } from './database/prepare-database';
import { MetricsServer } from './metrics/metrics-server.service';

function printStartupNotes(config: AppConfig): void {
  if (config.mode !== 'sandbox' || config.developmentDefaults.length === 0) return;
  const lines = [
    'Sandbox mode: using public development defaults for ' +
      config.developmentDefaults.join(', ') +
      '.',
    'Set them in .env (see .env.example) before anything real touches this instance.',
  ];
  if (config.developmentDefaults.includes('SERVICE_API_KEY')) {
    lines.push(`Development x-api-key: ${config.serviceApiKey}`);
  }
  if (config.developmentDefaults.includes('ADMIN_PASSWORD')) {
    lines.push(`Development admin password (${config.publicUrl}/admin): ${config.adminPassword}`);
  }
  process.stdout.write(`${lines.map((l) => `[payment-service] ${l}`).join('\n')}\n`);
}

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfigFromProcess();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`[payment-service] refusing to start. ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  printStartupNotes(config);

  const database = await prepareDatabase(config.database);
  const resolved: AppConfig = { ...config, database: { ...config.database, url: database.url } };
  if (config.database.migrateOnStart) await runMigrations(database.url);

  const app = await createApp(resolved);
  const stop = async (): Promise<void> => {
    await app.close();
    await database.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  process.stdout.write(
    `[payment-service] listening on ${config.host}:${port} ` +
      `(mode ${config.mode}, docs at ${config.publicUrl}/docs)\n`,
  );
  const metricsPort = app.get(MetricsServer).port();
  if (metricsPort !== null)
    process.stdout.write(
      `[payment-service] metrics at http://${config.metrics.host}:${metricsPort}/metrics\n`,
    );
}

void bootstrap();
