import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Modules own their tables (issue 13): a table is read and written only by code of the module
 * that owns it; every other module goes through the owner's exported service (or, inside one
 * statement on a hot path, through a SQL fragment the owner exports). Provider folders hold the
 * Callbacks module's handlers, so they may use the Callbacks module's tables.
 */
const OWNERS: Record<string, { entities: string[]; folders: string[] }> = {
  invoices: { entities: ['Invoice'], folders: ['src/invoices/'] },
  invoice_orders: { entities: ['InvoiceOrder'], folders: ['src/invoices/'] },
  refunds: { entities: ['Refund'], folders: ['src/refunds/'] },
  payouts: { entities: ['Payout'], folders: ['src/payouts/'] },
  webhook_events: { entities: ['WebhookEvent'], folders: ['src/notifications/'] },
  webhook_attempts: { entities: ['WebhookAttempt'], folders: ['src/notifications/'] },
  provider_transactions: {
    entities: ['ProviderTransaction'],
    folders: ['src/callbacks/', 'src/billing/providers/'],
  },
  callback_log: { entities: ['CallbackLogEntry'], folders: ['src/callbacks/'] },
  merchant_accounts: { entities: ['MerchantAccount'], folders: ['src/merchants/'] },
  checkout_sessions: { entities: ['CheckoutSession'], folders: ['src/checkout/'] },
  reconciliation_runs: { entities: ['ReconciliationRun'], folders: ['src/reconciliation/'] },
  idempotency_keys: { entities: ['IdempotencyKey'], folders: ['src/common/idempotency/'] },
  api_keys: { entities: ['ApiKey'], folders: ['src/api-keys/'] },
};

/** The one list of every entity (for the data source and the schema check), not a use of them. */
const ENTITY_LIST = 'src/database/entities.ts';

const ROOT = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** SQL naming the table, or TypeORM handed the entity (find/insert/update/query builder/…). */
function usesTable(text: string, table: string, entities: string[]): boolean {
  const sql = new RegExp(`\\b(FROM|JOIN|UPDATE|INTO|USING)\\s+${table}\\b`, 'i');
  if (sql.test(text)) return true;
  return entities.some((entity) =>
    new RegExp(
      `\\b(find\\w*|insert|update|delete|upsert|save|remove|create|count\\w*|exist\\w*|createQueryBuilder|getRepository|into|InjectRepository|forFeature)\\(\\s*\\[?\\s*${entity}\\b`,
    ).test(text),
  );
}

describe('modules own their tables', () => {
  const files = sourceFiles(join(ROOT, 'src'))
    .map((path) => relative(ROOT, path).split('\\').join('/'))
    .filter((path) => path !== ENTITY_LIST);

  it('no module reads or writes another module’s table', () => {
    const strays: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [table, { entities, folders }] of Object.entries(OWNERS)) {
        if (folders.some((folder) => file.startsWith(folder))) continue;
        if (usesTable(text, table, entities)) strays.push(`${file} uses ${table}`);
      }
    }
    expect(strays).toEqual([]);
  });

  it('provider-side refunds are recorded through RefundsService only', () => {
    const importers = files.filter(
      (file) =>
        !file.startsWith('src/refunds/') &&
        /from '[./]+\/refunds\/provider-side-refund'/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(importers).toEqual([]);
  });

  it('a provider transaction changes state only through its state machine', () => {
    const assignments = files
      .filter(
        (file) => file.startsWith('src/callbacks/') || file.startsWith('src/billing/providers/'),
      )
      .filter((file) => file !== 'src/callbacks/provider-transaction.state-machine.ts')
      .flatMap((file) =>
        readFileSync(join(ROOT, file), 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
          .filter(({ line }) => /\.(state|completedMs|cancelledMs)\s*=[^=]/.test(line))
          .map(({ at }) => at),
      );
    expect(assignments).toEqual([]);
  });

  it('recognises a foreign use (the check can fail)', () => {
    expect(usesTable('UPDATE invoices SET x = 1', 'invoices', ['Invoice'])).toBe(true);
    expect(usesTable('m.findOneBy(Invoice, { id })', 'invoices', ['Invoice'])).toBe(true);
    expect(
      usesTable('TypeOrmModule.forFeature([MerchantAccount])', 'merchant_accounts', [
        'MerchantAccount',
      ]),
    ).toBe(true);
    expect(usesTable('the invoice_orders of', 'invoices', ['Invoice'])).toBe(false);
  });
});
