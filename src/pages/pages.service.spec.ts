import type { DataSource } from 'typeorm';

import { PagesService } from './pages.service';
import type { PaymentProvider } from '../billing/payment-provider.interface';
import type { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import type { Invoice } from '../invoices/invoice.entity';
import type { InvoicesService } from '../invoices/invoices.service';
import type { MerchantsService } from '../merchants/merchants.service';

const ID = '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b';

/** A provider without a page of its own, and one whose page says which invoice and language. */
const plain = {
  name: 'plain',
  displayName: 'Plain',
  credentialFields: [],
  capabilities: { refund: 'none', statusLookup: false, checkout: 'redirect', hold: false },
  currencies: ['UZS'],
  callbackPaths: {},
} satisfies PaymentProvider;
const withPage: PaymentProvider = {
  ...plain,
  name: 'paged',
  buyerPage: (invoice, lang) =>
    Promise.resolve(invoice.deeplink ? `<p>${invoice.id} ${lang}</p>` : null),
};

function pagesFor(invoice: Partial<Invoice> | null): PagesService {
  const invoices = {
    findById: (id: string) =>
      invoice
        ? Promise.resolve({ id, lang: null, deeplink: null, ...invoice } as Invoice)
        : Promise.reject(new DomainError(ErrorCode.InvoiceNotFound, ['no such invoice'])),
  } as unknown as InvoicesService;
  const providers = new Map([plain, withPage].map((p) => [p.name, p]));
  const registry = {
    has: (name: string) => providers.has(name),
    get: (name: string) => providers.get(name),
  } as unknown as PaymentProviderRegistry;
  return new PagesService(
    invoices,
    registry,
    {} as unknown as MerchantsService,
    {} as unknown as DataSource,
  );
}

describe('PagesService.buyerPage (/pay/:id)', () => {
  it("serves the page of an invoice's provider when it has one, in the invoice's language", async () => {
    const page = await pagesFor({ provider: 'paged', deeplink: 'app://x', lang: 'uz' }).buyerPage(
      ID,
      undefined,
    );
    expect(page).toEqual({ status: 200, html: `<p>${ID} uz</p>` });
  });

  it("prefers the buyer's ?lang to the invoice's", async () => {
    const pages = pagesFor({ provider: 'paged', deeplink: 'app://x', lang: 'uz' });
    expect((await pages.buyerPage(ID, 'en')).html).toBe(`<p>${ID} en</p>`);
  });

  it.each([
    ['a provider without a page', { provider: 'plain', deeplink: 'app://x' }, ID],
    ['a provider whose page declines the invoice', { provider: 'paged', deeplink: null }, ID],
    ['a provider no longer registered', { provider: 'gone', deeplink: 'app://x' }, ID],
    ['an unknown invoice', null, ID],
    ['an id that is no uuid', { provider: 'paged', deeplink: 'app://x' }, 'nope'],
  ])('answers 404 with the not-found page for %s', async (_, invoice, id) => {
    const page = await pagesFor(invoice).buyerPage(id, 'en');
    expect(page.status).toBe(404);
    expect(page.html).toContain('Invoice not found');
  });
});
