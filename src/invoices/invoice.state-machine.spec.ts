import { InvoiceStatus, InvoiceStatusReason } from './invoice-status.enum';
import { Invoice } from './invoice.entity';
import {
  applyInvoiceTransition,
  canTransitionInvoice,
  isTerminalInvoiceStatus,
} from './invoice.state-machine';
import { DomainError } from '../common/errors/domain.error';

const S = InvoiceStatus;
/**
 * Where each status may go, written out here independently of the machine's own table. Typed by
 * the enum and checked against it at run time, so a new status fails this spec until it is
 * classified here.
 */
const EXPECTED: Record<InvoiceStatus, readonly InvoiceStatus[]> = {
  [S.Creating]: [S.Pending, S.Failed],
  [S.Pending]: [S.Authorized, S.Paid, S.Cancelled, S.Failed],
  [S.Authorized]: [S.Paid, S.Cancelled],
  [S.Paid]: [S.Refunded],
  [S.Cancelled]: [],
  [S.Failed]: [],
  [S.Refunded]: [],
};

function invoiceIn(status: InvoiceStatus): Invoice {
  return Object.assign(new Invoice(), { id: 'inv-1', status, statusReason: null });
}

describe('invoice state machine', () => {
  const all = Object.values(InvoiceStatus);

  it('classifies every status of the enum', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...all].sort());
  });

  const pairs = all.flatMap((from) => all.map((to) => [from, to] as const));

  it.each(pairs)('%s → %s is allowed exactly when the table says so', (from, to) => {
    const allowed = (EXPECTED[from] ?? []).includes(to);
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
    const held = invoiceIn(S.Pending);
    applyInvoiceTransition(held, S.Authorized, at);
    expect(held.authorizedAt).toBe(at);
    const voided = invoiceIn(S.Authorized);
    applyInvoiceTransition(voided, S.Cancelled, at, InvoiceStatusReason.Voided);
    expect(voided).toMatchObject({ cancelledAt: at, statusReason: 'voided' });
    const expiredHold = invoiceIn(S.Authorized);
    applyInvoiceTransition(expiredHold, S.Cancelled, at, InvoiceStatusReason.HoldExpired);
    expect(expiredHold).toMatchObject({ cancelledAt: at, statusReason: 'hold_expired' });
    const captured = invoiceIn(S.Authorized);
    applyInvoiceTransition(captured, S.Paid, at);
    expect(captured.paidAt).toBe(at);
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
