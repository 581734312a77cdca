import { Server, createServer } from 'node:http';

import { freePort } from '../setup/global-setup';

export interface Shop {
  origin: string;
  returnUrl: string;
  /** A plain page of the shop that loads the gateway's checkout.js with one script tag. */
  pageUrl: string;
  close(): Promise<void>;
}

/** A stand-in for an app's web pages (another origin than the gateway's). */
export async function startShop(gatewayUrl: string): Promise<Shop> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    if (req.url?.startsWith('/shop')) {
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="${gatewayUrl}/checkout.js"></script></head>
<body><h1>Test shop</h1><p id="result">waiting</p></body></html>`);
      return;
    }
    res.end(
      '<!doctype html><html lang="en"><head><title>Back in the shop</title></head><body><h1 id="back">Back in the shop</h1></body></html>',
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin,
    returnUrl: `${origin}/return`,
    pageUrl: `${origin}/shop`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
