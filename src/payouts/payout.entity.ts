import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

import type { PayoutKycData } from '../billing/payment-provider.interface';
import type { Currency } from '../common/money/currency';
import { MinorUnits, minorUnitsColumn } from '../common/money/money';

/** payouts.md §7. Changes only through payout.state-machine.ts. */
export enum PayoutStatus {
  /** The request as received; it never stays here (it is decided in the same transaction). */
  Requested = 'requested',
  /** Above PAYOUT_APPROVAL_THRESHOLD: waits for a person's approve or reject. */
  PendingApproval = 'pending_approval',
  /** Cleared to be sent; the provider has not been asked yet. */
  Approved = 'approved',
  /**
   * The one provider call was claimed (made, or being made). Without a clear answer it stays here
   * and is only ever re-read (the recovery job), never sent again.
   */
  Submitted = 'submitted',
  Succeeded = 'succeeded',
  Failed = 'failed',
  Rejected = 'rejected',
}

export const PAYOUT_STATUSES = Object.values(PayoutStatus);

export enum PayoutPurpose {
  SellerPayout = 'seller_payout',
  EscrowRelease = 'escrow_release',
  Refund = 'refund',
}

export const PAYOUT_PURPOSES = Object.values(PayoutPurpose);

/** Where the money goes, as stored: never a full card number (only its mask). */
export interface StoredPayoutDestination {
  type: 'card' | 'crypto';
  /** The card number masked (first 6, last 4), when one was given; the number itself is never kept. */
  cardMask?: string | null;
  /** A card token of the provider's. */
  cardToken?: string | null;
  address?: string | null;
  crypto?: string | null;
}

/** One call to the provider about a payout, as the admin's payout page shows it. */
export interface PayoutProviderCall {
  at: string;
  /** `send`: the one payout call; `read`: a status read of the recovery job. */
  call: 'send' | 'read';
  /** What came of it: the outcome's state, `declined`, or `unclear` (no clear answer). */
  result: string;
  providerStatus: string | null;
  message: string | null;
}

/**
 * Money sent OUT to a card or a wallet (payouts.md). One provider call per payout, ever: the
 * claim approved → submitted is made under the row's lock before the call.
 */
@Entity({ name: 'payouts' })
@Check('chk_payouts_amount_positive', 'amount > 0')
@Check(
  'chk_payouts_status',
  "status IN ('requested', 'pending_approval', 'approved', 'submitted', 'succeeded', 'failed', 'rejected')",
)
@Check('chk_payouts_purpose', "purpose IN ('seller_payout', 'escrow_release', 'refund')")
@Check('chk_payouts_escrow_invoice', "purpose <> 'escrow_release' OR invoice_id IS NOT NULL")
@Unique('uq_payouts_source_reference', ['source', 'reference'])
@Index('ix_payouts_created_at_id', ['createdAt', 'id'])
@Index('ix_payouts_source_day', ['source', 'day', 'currency'])
@Index('ix_payouts_invoice', ['invoiceId'], { where: 'invoice_id IS NOT NULL' })
@Index('ix_payouts_submitted', ['checkAfter'], { where: "status = 'submitted'" })
export class Payout {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  source: string;

  @Column('text')
  businessId: string;

  @Column('text')
  provider: string;

  @Column('uuid')
  merchantAccountId: string;

  /** The client's own id of this payout, unique per source: a repeat returns this payout. */
  @Column('text')
  reference: string;

  @Column('text')
  purpose: PayoutPurpose;

  /**
   * The invoice whose money an `escrow_release` pays out (required for one; the API takes it for no
   * other purpose today): the releases
   * of one invoice never exceed what it captured minus its refunds.
   */
  @Column('uuid', { nullable: true })
  invoiceId: string | null;

  @Column('bigint', { transformer: minorUnitsColumn })
  amount: MinorUnits;

  @Column('text')
  currency: Currency;

  @Column('jsonb')
  destination: StoredPayoutDestination;

  @Column('jsonb', { nullable: true })
  kyc: PayoutKycData | null;

  /** The device data sent to the provider with the payout. */
  @Column('jsonb', { nullable: true })
  device: { ip: string; userAgent: string } | null;

  @Column('text', { nullable: true })
  description: string | null;

  @Column('text')
  notifyUrl: string;

  @Column('text')
  status: PayoutStatus;

  /** Increases with every change: the webhook's `sequence`. */
  @Column('integer')
  version: number;

  /** The UTC day the payout counts against the source's daily limit. */
  @Column('date')
  day: string;

  @Column('boolean')
  approvalRequired: boolean;

  /** Who approved: the staff login of the admin session, or the API caller's `approvedBy`. */
  @Column('text', { nullable: true })
  approvedBy: string | null;

  @Column('timestamptz', { nullable: true })
  approvedAt: Date | null;

  @Column('text', { nullable: true })
  rejectedBy: string | null;

  @Column('text', { nullable: true })
  rejectionReason: string | null;

  /** The provider's id of the transfer (e.g. its credit's uuid), once known. */
  @Column('text', { nullable: true })
  providerRef: string | null;

  /** The provider's own status word as last read. */
  @Column('text', { nullable: true })
  providerStatus: string | null;

  /** The provider's words when it failed the payout. */
  @Column('text', { nullable: true })
  failureMessage: string | null;

  @Column('text', { nullable: true })
  providerCode: string | null;

  @Column('timestamptz', { nullable: true })
  submittedAt: Date | null;

  /** A submitted payout without an answer is read again by the recovery job from this moment. */
  @Column('timestamptz', { nullable: true })
  checkAfter: Date | null;

  @Column('timestamptz', { nullable: true })
  completedAt: Date | null;

  /** Every call made to the provider about this payout, oldest first (never a card number). */
  @Column('jsonb', { default: () => "'[]'" })
  providerCalls: PayoutProviderCall[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
