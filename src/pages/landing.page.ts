import { escapeHtml, htmlPage } from '../common/http/html';
import { HealthResponseDto } from '../health/dto/health-response.dto';

/**
 * `/`: what the service is, one live status pill per provider (refreshed from /health every few
 * seconds by a small inline script), and the way to the API docs and the admin.
 */
/** "A, B and C". */
function listOfNames(names: string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

export function renderLandingPage(health: HealthResponseDto): string {
  const pills = health.providers
    .map(
      (p) =>
        `<li><span class="pill ${escapeHtml(p.status)}" data-testid="pill-${escapeHtml(p.name)}" data-provider="${escapeHtml(p.name)}" data-status="${escapeHtml(p.status)}">` +
        `<span class="dot" aria-hidden="true"></span>${escapeHtml(p.displayName)} <span class="state">${escapeHtml(p.status)}</span></span></li>`,
    )
    .join('');
  return htmlPage({
    title: 'payment-service',
    lang: 'en',
    body: `<div class="card">
  <h1>payment-service</h1>
  <p>One API for ${escapeHtml(listOfNames(health.providers.map((p) => p.displayName)))}: apps register a business's provider
  credentials, create an invoice at each checkout, and get a signed webhook when the money lands.</p>
  <p class="muted">Version ${escapeHtml(health.version)} · <span data-testid="mode">${escapeHtml(health.mode)}</span> mode</p>
  <h2>Providers</h2>
  <ul class="pills" aria-live="polite" data-testid="pills">${pills}</ul>
  <p class="muted" data-testid="checked">Checked just now</p>
  <p><a class="button" href="/docs">API documentation</a><a class="button secondary" href="/admin">Admin</a></p>
</div>
<script>
(function () {
  var checked = document.querySelector('[data-testid="checked"]');
  function refresh() {
    fetch('/health', { cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        (body.data.providers || []).forEach(function (p) {
          var pill = document.querySelector('.pill[data-provider="' + p.name + '"]');
          if (!pill) return;
          pill.className = 'pill ' + p.status;
          pill.setAttribute('data-status', p.status);
          pill.querySelector('.state').textContent = p.status;
        });
        checked.textContent = 'Checked at ' + new Date().toLocaleTimeString();
      })
      .catch(function () {
        document.querySelectorAll('.pill').forEach(function (pill) {
          pill.className = 'pill unknown';
          pill.setAttribute('data-status', 'unknown');
          pill.querySelector('.state').textContent = 'unreachable';
        });
      });
  }
  setInterval(refresh, 5000);
  refresh();
})();
</script>`,
  });
}
