/**
 * Migrations from the command line:
 *   npm run migration:run              apply pending migrations
 *   npm run migration:revert           undo the last one
 *   npm run migration:show             list applied and pending
 *   npm run migration:generate -- Name write migrations/<ms>-Name.ts with the diff entities → database
 * Uses DATABASE_URL, or the embedded PostgreSQL when it is unset (started if not running).
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { inspect } from 'node:util';

import { DataSource } from 'typeorm';

import { projectRoot } from '../common/project-root';
import { loadConfigFromProcess } from '../config/load-config';
import { dataSourceOptions } from '../database/data-source-options';
import { prepareDatabase } from '../database/prepare-database';
import { pendingSchemaChanges } from '../database/schema-diff';

const MIGRATIONS_DIR = join(projectRoot(), 'migrations');

function escape(sql: string): string {
  return sql.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
}

/** Formats the written files as the repository does (Prettier is a development dependency). */
async function formatWithPrettier(files: string[]): Promise<void> {
  const prettier = (await import('prettier')) as typeof import('prettier');
  for (const file of files) {
    const options = (await prettier.resolveConfig(file)) ?? {};
    writeFileSync(
      file,
      await prettier.format(readFileSync(file, 'utf8'), { ...options, filepath: file }),
    );
  }
}

async function generate(dataSource: DataSource, name: string): Promise<void> {
  if (!/^[A-Z][A-Za-z0-9]+$/.test(name))
    throw new Error('Name the migration in PascalCase, e.g. AddInvoices');
  const { up, down } = await pendingSchemaChanges(dataSource);
  if (up.length === 0) {
    process.stdout.write("No changes: the migrations already give the entities' schema.\n");
    return;
  }
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  const body = `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${up.map((q) => `    await queryRunner.query(\`${escape(q)}\`);`).join('\n')}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${down.map((q) => `    await queryRunner.query(\`${escape(q)}\`);`).join('\n')}
  }
}
`;
  const file = `${timestamp}-${name}`;
  writeFileSync(join(MIGRATIONS_DIR, `${file}.ts`), body);
  const indexPath = join(MIGRATIONS_DIR, 'index.ts');
  const lines = readFileSync(indexPath, 'utf8').split('\n');
  const lastImport = lines.reduce((at, line, i) => (line.startsWith('import ') ? i : at), -1);
  lines.splice(lastImport + 1, 0, `import { ${className} } from './${file}';`);
  const index = lines
    .join('\n')
    .replace(
      /(export const MIGRATIONS: Function\[\] = \[)([^\]]*)\]/,
      (_m, head: string, list: string) => {
        const items = list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        return `${head}${[...items, className].join(', ')}]`;
      },
    );
  writeFileSync(indexPath, index);
  await formatWithPrettier([join(MIGRATIONS_DIR, `${file}.ts`), indexPath]);
  process.stdout.write(`Wrote migrations/${file}.ts and added it to migrations/index.ts\n`);
}

async function main(): Promise<void> {
  const [command = 'run', name] = process.argv.slice(2);
  const config = loadConfigFromProcess();
  const database = await prepareDatabase(config.database);
  const dataSource = new DataSource(dataSourceOptions(database.url, 1));
  await dataSource.initialize();
  try {
    switch (command) {
      case 'run': {
        const ran = await dataSource.runMigrations({ transaction: 'each' });
        process.stdout.write(
          ran.length ? `Applied: ${ran.map((m) => m.name).join(', ')}\n` : 'Nothing to apply.\n',
        );
        break;
      }
      case 'revert':
        await dataSource.undoLastMigration({ transaction: 'each' });
        process.stdout.write('Reverted the last migration.\n');
        break;
      case 'show':
        await dataSource.showMigrations();
        break;
      case 'generate':
        await generate(dataSource, name ?? '');
        break;
      default:
        throw new Error(`Unknown command "${command}" (run | revert | show | generate Name)`);
    }
  } finally {
    await dataSource.destroy();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : inspect(error)}\n`,
  );
  process.exit(1);
});
