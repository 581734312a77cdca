/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string | number | null | undefined): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A small, responsive, accessible page shell shared by the gateway's server-rendered pages. */
export function htmlPage(options: {
  title: string;
  lang: string;
  body: string;
  wide?: boolean;
}): string {
  return `<!doctype html>
<html lang="${escapeHtml(options.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; background: #f4f5f7; color: #1b1f24; }
  main { max-width: 32rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
  .card { background: #fff; border-radius: 12px; padding: 1.5rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.4rem; margin: 0 0 1rem; }
  .amount { font-size: 2rem; font-weight: 700; margin: .25rem 0 1rem; }
  .muted { color: #4a5360; }
  .qr { display: block; width: min(100%, 18rem); margin: 1rem auto; }
  code { background: #eef0f3; padding: .1rem .35rem; border-radius: 4px; word-break: break-all; }
  ol { padding-left: 1.25rem; line-height: 1.6; }
  .status { display: inline-block; padding: .2rem .6rem; border-radius: 999px; font-weight: 600; background: #e7eefc; color: #1c3d7a; }
  .status.paid { background: #dff5e3; color: #175c26; }
  .status.authorized { background: #fff3cd; color: #5c4300; }
  .status.cancelled, .status.failed { background: #fbe3e3; color: #7a1c1c; }
  button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .75rem 1.25rem; border-radius: 8px;
    border: 0; cursor: pointer; background: #1f5bd8; color: #fff; text-decoration: none; margin: .25rem .25rem .25rem 0; }
  button.secondary { background: #e4e7eb; color: #1b1f24; }
  button:focus-visible, a:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
  table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
  th, td { text-align: left; padding: .35rem .25rem; border-bottom: 1px solid #e4e7eb; }
  h2 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
  .pills { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem; }
  .pill { display: inline-flex; align-items: center; gap: .4rem; padding: .35rem .75rem; border-radius: 999px; font-weight: 600; }
  .pill .dot { width: .6rem; height: .6rem; border-radius: 50%; background: currentColor; }
  .pill.up { background: #dff5e3; color: #175c26; }
  .pill.disabled { background: #fbe3e3; color: #a11b1b; }
  .pill.degraded { background: #fff1cc; color: #6b4a00; }
  .pill.unknown { background: #eceef1; color: #4a5360; }
  .button.secondary { background: #e4e7eb; color: #1b1f24; }
  .choices { list-style: none; padding: 0; margin: 1rem 0; }
  .choices li { margin: 0 0 .6rem; }
  .choices form { margin: 0; }
  button.choice { width: 100%; min-height: 3rem; margin: 0; font-size: 1.05rem; }
  main.wide { max-width: 76rem; }
  .scroll { overflow-x: auto; }
  nav.admin { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: center; margin: 0 0 1rem; }
  nav.admin a { font-weight: 600; color: #1f5bd8; }
  nav.admin form { margin: 0 0 0 auto; }
  label { display: block; font-weight: 600; margin: .5rem 0 .25rem; }
  input[type=text], input[type=password], input[type=search], select { font: inherit; padding: .55rem .6rem; border: 1px solid #8a93a0; border-radius: 6px; min-width: 12rem; max-width: 100%; box-sizing: border-box; }
  form.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; }
  form.filters label { margin: 0 0 .25rem; }
  td form { margin: 0; }
  td button { padding: .4rem .8rem; }
  .notice { background: #fff4d6; color: #5c4300; padding: .75rem 1rem; border-radius: 8px; }
</style>
</head>
<body><main${options.wide ? ' class="wide"' : ''}>${options.body}</main></body>
</html>`;
}
