/**
 * The invoices' delivery flag (`notify_delivered`: false while the app has not been told the
 * invoice's latest state, true once it has, NULL when there is nothing to tell) as SQL fragments,
 * owned here and used by the notifications module inside its own single statements: the outbox
 * write on the payment path and the dispatcher's record step are each one atomic statement (one
 * round trip); moving the flag to a second statement would add a round trip to each, so the
 * Invoices module lends the fragment instead of a method. Nothing else outside this module
 * writes the flag or names the table.
 */
export const invoiceDeliverySql = {
  /**
   * An UPDATE for a CTE: the invoices among `invoiceIds` (a subquery) that were waiting for a
   * delivery have nothing left to deliver (their events were superseded). RETURNING id.
   */
  settleUndelivered(invoiceIds: string): string {
    return `UPDATE invoices SET notify_delivered = NULL
        WHERE id IN (${invoiceIds}) AND notify_delivered = false
       RETURNING id`;
  },

  /**
   * An UPDATE for a CTE: the invoices among `invoiceIds` (a uuid[] expression) for which
   * `nothingLeft(invoiceIdColumn)` holds are delivered. RETURNING id.
   */
  markDelivered(invoiceIds: string, nothingLeft: (invoiceIdColumn: string) => string): string {
    return `UPDATE invoices i SET notify_delivered = true
          WHERE i.id = ANY(${invoiceIds}) AND ${nothingLeft('i.id')}
         RETURNING i.id`;
  },

  /** A FROM item: the invoices whose app has not been told their latest state, with what the
   * Stuck view shows of them. */
  awaitingDelivery: `(SELECT id, source, business_id, source_invoice_id, provider, status, notify_url
          FROM invoices WHERE notify_delivered = false)`,

  /** A subquery: the ids of the order's invoices (`source` and `order` are SQL expressions). */
  idsOfOrder(source: string, order: string): string {
    return `SELECT id FROM invoices WHERE source = ${source} AND source_invoice_id = ${order}`;
  },
};
