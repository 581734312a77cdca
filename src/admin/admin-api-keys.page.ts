import { AdminSession } from './admin-auth.service';
import { action, e, formWith, layout, table, when } from './admin.pages';
import { ApiKey } from '../api-keys/api-key.entity';

/**
 * The API keys page: every key (never a secret: its visible prefix), a revoke button on each live
 * one, and the create form. `created` is the key just made with its secret, shown on the answer to
 * the create form only (not a redirect: the secret must not travel in a URL) and never again.
 */
export function renderApiKeys(
  session: AdminSession,
  keys: ApiKey[],
  flash: string | null,
  created: { key: ApiKey; secret: string } | null = null,
): string {
  const shown = created
    ? `<div class="notice" role="status" data-testid="new-key">
<p>Key <strong>${e(created.key.name)}</strong> for source <code>${e(created.key.source)}</code> created. Copy its secret now: it is shown this once and cannot be read again.</p>
<p><code data-testid="new-key-secret">${e(created.secret)}</code></p></div>`
    : '';
  return layout(
    session,
    'API keys',
    shown +
      '<p class="muted">A source key acts for its one source only; SERVICE_API_KEY is the staff key (every source, every route) and is not listed here. A revoked key is refused at once by this instance and by the others within 10 seconds.</p>' +
      table(
        'Newest first',
        ['Name', 'Source', 'Key', 'Created', 'Last used', 'State'],
        keys.map((k) => [
          e(k.name),
          `<code>${e(k.source)}</code>`,
          `<code>${e(k.prefix)}…</code>`,
          when(k.createdAt),
          when(k.lastUsedAt),
          k.revokedAt
            ? `revoked ${when(k.revokedAt)}`
            : action(session, `/admin/api-keys/${k.id}/revoke`, 'Revoke', {}, `revoke-${k.id}`),
        ]),
        'api-keys',
      ) +
      '<h2>New key</h2>' +
      formWith(
        session,
        '/admin/api-keys',
        'Create key',
        [
          { name: 'source', label: 'Source' },
          { name: 'name', label: 'Name' },
        ],
        'create-key',
      ),
    flash,
  );
}
