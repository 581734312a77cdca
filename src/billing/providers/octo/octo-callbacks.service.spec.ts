import { OctoCallbacksService } from './octo-callbacks.service';
import { octoSignature } from './octo.protocol';
import { MalformedBody } from '../../../common/http/body-parsers';
import { query } from '../../../../test/support/database';
import { OCTO_CREDENTIALS } from '../../../../test/support/octo';
import { TestApp, startTestApp } from '../../../../test/support/test-app';
import { invoiceBody } from '../../../../test/factories/invoice.factory';
import { merchantBody } from '../../../../test/factories/merchant.factory';

/**
 * The Octo handler's decisions (octo.md §8), called directly on the service against the real
 * embedded PostgreSQL and the sandbox's Octo API. test/e2e/callbacks-octo.e2e-spec.ts covers the
 * same over HTTP with the emulator's pay page, refunds and reconciliation.
 */
describe('OctoCallbacksService', () => {
  let t: TestApp;
  let octo: OctoCallbacksService;
  let accountId: string;

  const newInvoice = async () =>
    (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'octo', amount: 500_000 }),
      })
    ).body.data as { id: string; providerUuid: string };
  const status = async (id: string): Promise<string> =>
    (await t.request(`/api/invoices/${id}`)).body.data.status;
  const notify = (
    invoice: { id: string; providerUuid: string },
    octoStatus: string,
    extra: Record<string, unknown> = {},
    account = accountId,
  ) =>
    octo.handle({
      merchantAccountRef: account,
      action: '',
      httpMethod: 'POST',
      headers: {},
      body: {
        shop_transaction_id: invoice.id,
        octo_payment_UUID: invoice.providerUuid,
        status: octoStatus,
        hash_key: 'h',
        signature: octoSignature(OCTO_CREDENTIALS.uniqueKey, invoice.providerUuid, octoStatus),
        total_sum: 5000,
        ...extra,
      },
    });

  beforeAll(async () => {
    t = await startTestApp();
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'octo', credentials: OCTO_CREDENTIALS }),
      })
    ).body.data.id;
    octo = t.app.get(OctoCallbacksService);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => t.close());

  it('§8.2 steps 1–2: an unknown account → 404; a malformed body or a missing field → 400', async () => {
    const inv = await newInvoice();
    expect(
      (await notify(inv, 'succeeded', {}, '00000000-0000-4000-8000-000000000000')).status,
    ).toBe(404);
    const malformed = await octo.handle({
      merchantAccountRef: accountId,
      action: '',
      httpMethod: 'POST',
      headers: {},
      body: new MalformedBody('{'),
    });
    expect(malformed).toMatchObject({ status: 400, body: '{"error":"invalid request"}' });
    expect((await notify(inv, 'succeeded', { hash_key: undefined })).status).toBe(400);
    expect((await notify(inv, 'succeeded', { signature: 42 })).status).toBe(400);
  });

  describe('two-stage invoices (capture: "manual", auto_capture:false)', () => {
    /** The invoice as the hold core will record it: two-stage. */
    const asTwoStage = () =>
      jest
        .spyOn(octo as unknown as { twoStage(invoice: unknown): boolean }, 'twoStage')
        .mockReturnValue(true);

    it('§11 case 13: an undecided hold → HTTP 200 {} (no accept_status), the hold recorded, the invoice pending; once captured the repeat is answered capture', async () => {
      asTwoStage();
      const inv = await newInvoice();
      const held = await notify(inv, 'waiting_for_capture');
      expect(held).toMatchObject({ status: 200, body: '{}', outcome: 'hold_undecided' });
      expect(await status(inv.id)).toBe('pending');
      expect(
        await query(
          t.databaseUrl,
          `SELECT state FROM provider_transactions WHERE provider = 'octo' AND invoice_id = $1`,
          [inv.id],
        ),
      ).toEqual([{ state: 'created' }]);
      // Octo repeats the hold until it hears a decision: still none, still one row.
      expect((await notify(inv, 'waiting_for_capture')).body).toBe('{}');
      // The merchant captured (the hold core's capture makes the invoice paid).
      await query(
        t.databaseUrl,
        `UPDATE invoices SET status = 'paid', paid_at = now() WHERE id = $1`,
        [inv.id],
      );
      expect((await notify(inv, 'waiting_for_capture')).body).toBe('{"accept_status":"capture"}');
    });

    it('§11 case 14: a two-stage invoice cancelled before the hold → {"accept_status":"cancel"}', async () => {
      asTwoStage();
      const inv = await newInvoice();
      await t.request(`/api/invoices/${inv.id}/cancel`, { method: 'POST' });
      expect((await notify(inv, 'waiting_for_capture')).body).toBe('{"accept_status":"cancel"}');
    });
  });

  it('a one-stage hold whose amount differs is answered cancel, never captured', async () => {
    const inv = await newInvoice();
    const held = await notify(inv, 'waiting_for_capture', { total_sum: 4999 });
    expect(held).toMatchObject({ status: 200, body: '{"accept_status":"cancel"}' });
    expect(await status(inv.id)).toBe('pending');
  });
});
