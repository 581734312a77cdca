import { TestResponse, send } from './test-app';

/** The forms of a page: action and hidden fields (enough to press the sandbox pages' buttons). */
export function forms(
  html: string,
): { action: string; fields: Record<string, string>; label: string }[] {
  const found: { action: string; fields: Record<string, string>; label: string }[] = [];
  for (const match of html.matchAll(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/g)) {
    const fields: Record<string, string> = {};
    for (const input of match[2].matchAll(
      /<input type="hidden" name="([^"]+)" value="([^"]*)">/g,
    )) {
      fields[unescape(input[1])] = unescape(input[2]);
    }
    const label = /<button[^>]*>([^<]+)<\/button>/.exec(match[2])?.[1] ?? '';
    found.push({ action: unescape(match[1]), fields, label });
  }
  return found;
}

function unescape(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Opens `url` (absolute, on the gateway) and presses the button labelled `label`, as a browser would. */
export async function press(
  baseUrl: string,
  pageUrl: string,
  label: string,
): Promise<TestResponse> {
  const page = await send(
    baseUrl,
    pageUrl.startsWith(baseUrl) ? pageUrl.slice(baseUrl.length) : pageUrl,
    { headers: { 'x-api-key': '' } },
  );
  if (page.status !== 200) throw new Error(`${pageUrl} answered ${page.status}`);
  const form = forms(page.text).find((f) => f.label === label);
  if (!form) throw new Error(`no "${label}" button on ${pageUrl}`);
  return send(baseUrl, form.action, {
    method: 'POST',
    headers: { 'x-api-key': '', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form.fields).toString(),
    redirect: 'manual',
  });
}
