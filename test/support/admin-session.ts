import { TestResponse, send } from './test-app';

/** A request to the admin pages as a browser sends it: no API key, the cookie, a form if given. */
export function adminCall(
  baseUrl: string,
  method: string,
  path: string,
  cookie = '',
  form?: Record<string, string>,
): Promise<TestResponse> {
  return send(baseUrl, path, {
    method,
    headers: {
      'x-api-key': '',
      cookie,
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: form ? new URLSearchParams(form).toString() : undefined,
    redirect: 'manual',
  });
}

/** The CSRF token a page's forms carry ('' when it has none). */
export function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}

/** Logs in to the admin as a browser does (the login page's nonce and token); the session cookie. */
export async function adminSession(baseUrl: string, password: string): Promise<string> {
  const page = await adminCall(baseUrl, 'GET', '/admin/login');
  const nonce = /ps_admin_login=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1];
  const login = await adminCall(baseUrl, 'POST', '/admin/login', `ps_admin_login=${nonce}`, {
    password,
    _csrf: csrfOf(page.text),
  });
  return /ps_admin=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0] ?? '';
}
