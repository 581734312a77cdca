/** The deeplink of seed 000: the buyer's Uzum app opens the order by our invoice id. */
export function uzumDeeplink(invoiceId: string): string {
  return `uzum://pay?order=${encodeURIComponent(invoiceId)}`;
}
