import { InvoiceStatus, InvoiceStatusReason } from './invoice-status.enum';
import { Invoice } from './invoice.entity';
import {
  applyInvoiceTransition,
  canTransitionInvoice,
  isTerminalInvoiceStatus,
} from './invoice.state-machine';
import { DomainError } from '../common/errors/domain.error';

const S = InvoiceStatus;
const ALLOWED = new Set([
  `${S.Creating}>${S.Pending}`,
  `${S.Creating}>${S.Failed}`,
  `${S.Pending}>${S.Paid}`,
  `${S.Pending}>${S.Cancelled}`,
  `${S.Pending}>${S.Failed}`,
  `${S.Paid}>${S.Refunded}`,
]);

function invoiceIn(status: InvoiceStatus): Invoice {
  return Object.assign(new Invoice(), { id: 'inv-1', status, statusReason: null });
}

describe('invoice state machine', () => {
  const all = Object.values(InvoiceStatus);
  const pairs = all.flatMap((from) => all.map((to) => [from, to] as const));

  it.each(pairs)('%s → %s is allowed exactly when the table says so', (from, to) => {
    const allowed = ALLOWED.has(`${from}>${to}`);
    expect(canTransitionInvoice(from, to)).toBe(allowed);
    const invoice = invoiceIn(from);
    if (allowed) {
      applyInvoiceTransition(invoice, to, new Date());
      expect(invoice.status).toBe(to);
    } else {
      expect(() => applyInvoiceTransition(invoice, to, new Date())).toThrow(DomainError);
      expect(invoice.status).toBe(from);
    }
  });

  it('stamps the time of the state it enters and its reason', () => {
    const at = new Date('2026-05-12T10:01:23Z');
    const paid = invoiceIn(S.Pending);
    applyInvoiceTransition(paid, S.Paid, at);
    expect(paid.paidAt).toBe(at);
    const expired = invoiceIn(S.Pending);
    applyInvoiceTransition(expired, S.Cancelled, at, InvoiceStatusReason.Expired);
    expect(expired).toMatchObject({ cancelledAt: at, statusReason: 'expired' });
    const refunded = invoiceIn(S.Paid);
    applyInvoiceTransition(refunded, S.Refunded, at);
    expect(refunded.refundedAt).toBe(at);
  });

  it('knows the terminal states', () => {
    expect(all.filter(isTerminalInvoiceStatus).sort()).toEqual(
      [S.Cancelled, S.Failed, S.Refunded].sort(),
    );
  });
});
