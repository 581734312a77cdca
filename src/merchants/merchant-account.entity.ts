import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

import type { GatewayMode } from '../config/env.schema';

/** A business's account with one provider: its encrypted credentials and whether it takes payments. */
@Entity({ name: 'merchant_accounts' })
@Check('chk_merchant_accounts_mode', "mode IN ('sandbox', 'live')")
@Unique('uq_merchant_accounts_source_business_provider', ['source', 'businessId', 'provider'])
@Index('ix_merchant_accounts_created_at_id', ['createdAt', 'id'])
export class MerchantAccount {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  source: string;

  @Column('text')
  businessId: string;

  @Column('text')
  provider: string;

  @Column('text', { nullable: true })
  displayName: string | null;

  /** AES-256-GCM: version byte, 12-byte IV, 16-byte tag, ciphertext of the credentials JSON. */
  @Column('bytea')
  credentialsCiphertext: Buffer;

  /** Names (never values) of the credential fields stored, e.g. whether an optional one is set. */
  @Column('text', { array: true })
  credentialFields: string[];

  /** Id of the key that sealed `credentialsCiphertext` (see CREDENTIALS_ENCRYPTION_PREVIOUS_KEYS). */
  @Column('text')
  credentialsKeyId: string;

  @Column('boolean', { default: true })
  isActive: boolean;

  /**
   * GATEWAY_MODE of the instance that registered (or last re-registered) the account. The sandbox
   * emulators act only for `sandbox` accounts: never with a real merchant's secrets.
   */
  @Column('text')
  mode: GatewayMode;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
