/**
 * What recording a payment that reconciliation found (its callback lost) came to: the provider
 * reference the invoice is marked paid with, or why it cannot be recorded (a mismatch left for a
 * person; nothing is changed).
 */
export type FoundPayment = { providerRef: string | null } | { problem: string };
