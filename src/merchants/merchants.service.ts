import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';

import { CredentialsCipher, Credentials } from './credentials-cipher';
import { BusinessProvidersResponseDto } from './dto/business-providers-response.dto';
import { ListMerchantsQueryDto } from './dto/list-merchants.query.dto';
import {
  MerchantResponseDto,
  MerchantsPageDto,
  RegisteredMerchantDto,
} from './dto/merchant-response.dto';
import { RegisterMerchantDto } from './dto/register-merchant.dto';
import { SupportedProvidersResponseDto } from './dto/supported-providers-response.dto';
import { MerchantAccount } from './merchant-account.entity';
import { PaymentProvider, ProviderContext } from '../billing/payment-provider.interface';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { BY_CREATED_AT, readPage } from '../common/http/pagination';
import { TtlCache } from '../common/ttl-cache';
import { EntityRows } from '../database/entity-rows';
import { StatementBatcher } from '../database/statement-batcher';
import { APP_CONFIG, AppConfig } from '../config/app-config';

const ACCOUNTS = new EntityRows(MerchantAccount, 'merchant_account');
const OPENED_CREDENTIALS_TTL_MS = 10 * 60_000;
/** Account-read batches in flight at once: each holds a pool connection while it runs. */
const ACCOUNT_READS_IN_FLIGHT = 2;

/** The associated data that binds sealed credentials to one merchant account. */
function credentialsBinding(
  account: Pick<MerchantAccount, 'source' | 'businessId' | 'provider'>,
): string {
  return JSON.stringify([account.source, account.businessId, account.provider]);
}

@Injectable()
export class MerchantsService {
  private readonly logger = new Logger(MerchantsService.name);
  private readonly checkoutCache: TtlCache<
    string,
    { account: MerchantAccount; ctx: ProviderContext }
  >;

  constructor(
    @InjectRepository(MerchantAccount) private readonly accounts: Repository<MerchantAccount>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: PaymentProviderRegistry,
    private readonly cipher: CredentialsCipher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.checkoutCache = new TtlCache(config.merchantCacheTtlSeconds * 1000);
    this.byId = new StatementBatcher((ids) => this.readAccounts(ids), {
      concurrency: Math.min(
        ACCOUNT_READS_IN_FLIGHT,
        Math.max(1, Math.floor(config.database.poolSize / 2)),
      ),
      maxBatch: 100,
    });
  }

  /**
   * Account reads by id (every provider callback starts with one): concurrent reads share one
   * statement (StatementBatcher). Each read is made by a statement that starts after it was asked
   * for, so it sees every change committed before, as a read of its own would: nothing is cached.
   */
  private readonly byId: StatementBatcher<string, MerchantAccount | null>;

  private async readAccounts(ids: string[]): Promise<(MerchantAccount | null)[]> {
    const accounts = await ACCOUNTS.all(
      this.dataSource.manager,
      'by_ids',
      (columns) => `SELECT ${columns} FROM merchant_accounts WHERE id = ANY($1::uuid[])`,
      [[...new Set(ids)]],
    );
    const found = new Map(accounts.map((account) => [account.id, account]));
    const given = new Set<string>();
    // Each caller gets its own object (callers may change what they were given): a second read
    // of one id in the batch gets a copy.
    return ids.map((id) => {
      const account = found.get(id);
      if (!account) return null;
      if (!given.has(id)) {
        given.add(id);
        return account;
      }
      return Object.assign(Object.create(MerchantAccount.prototype) as MerchantAccount, account);
    });
  }

  /** Decrypted credentials by their sealed value (see openCredentials), at most 10,000. */
  private readonly openedCredentials = new TtlCache<string, Credentials>(OPENED_CREDENTIALS_TTL_MS);

  supported(): SupportedProvidersResponseDto {
    return {
      items: this.registry.list().map((p) => ({
        name: p.name,
        displayName: p.displayName,
        fields: p.credentialFields.map((f) => ({
          key: f.key,
          required: f.required,
          description: f.description,
        })),
        capabilities: { ...p.capabilities },
        currencies: [...p.currencies],
      })),
    };
  }

  /**
   * Creates or updates the account of (source, businessId, provider) in one atomic statement, so
   * concurrent registrations of the same key all succeed and leave one row.
   */
  async register(dto: RegisterMerchantDto): Promise<RegisteredMerchantDto> {
    const provider = this.registry.get(dto.provider);
    const credentials = this.checkCredentials(provider, dto.credentials);
    const problems = (await provider.credentialProblems?.(credentials)) ?? [];
    if (problems.length > 0) throw new DomainError(ErrorCode.ValidationError, problems);
    const sealed = this.cipher.seal(credentials, credentialsBinding(dto));
    const displayNameGiven = dto.displayName !== undefined;
    const isActiveGiven = dto.isActive !== undefined;

    const rows = await this.dataSource.query<{ id: string; created: boolean }[]>(
      `INSERT INTO merchant_accounts
         (source, business_id, provider, display_name, credentials_ciphertext, credentials_key_id,
          credential_fields, is_active, mode)
       VALUES ($1, $2, $3, $4, $5, $6, $10, COALESCE($7, true), $11)
       ON CONFLICT ON CONSTRAINT uq_merchant_accounts_source_business_provider DO UPDATE SET
         credentials_ciphertext = EXCLUDED.credentials_ciphertext,
         credentials_key_id = EXCLUDED.credentials_key_id,
         credential_fields = EXCLUDED.credential_fields,
         mode = EXCLUDED.mode,
         display_name = CASE WHEN $8 THEN EXCLUDED.display_name ELSE merchant_accounts.display_name END,
         is_active = CASE WHEN $9 THEN EXCLUDED.is_active ELSE merchant_accounts.is_active END,
         updated_at = now()
       RETURNING id, (xmax = 0) AS created`,
      [
        dto.source,
        dto.businessId,
        provider.name,
        dto.displayName ?? null,
        sealed.ciphertext,
        sealed.keyId,
        dto.isActive ?? null,
        displayNameGiven,
        isActiveGiven,
        Object.keys(credentials),
        // The credentials just given belong to this instance's mode (see MerchantAccount.mode).
        this.config.mode,
      ],
    );
    const { id, created } = rows[0];
    this.logger.log(
      { merchantAccountId: id, provider: provider.name, created },
      'Merchant account registered',
    );
    this.checkoutCache.delete(credentialsBinding(dto));
    const account = await this.accounts.findOneByOrFail({ id });
    return { ...this.toResponse(account), created };
  }

  async listForBusiness(source: string, businessId: string): Promise<BusinessProvidersResponseDto> {
    const accounts = await this.accounts.find({
      where: { source, businessId, isActive: true },
      order: { provider: 'ASC' },
    });
    return {
      items: accounts
        .filter((a) => this.registry.isEnabled(a.provider))
        .map((a) => ({ provider: a.provider, displayName: a.displayName })),
    };
  }

  async list(query: ListMerchantsQueryDto): Promise<MerchantsPageDto> {
    const qb = this.accounts.createQueryBuilder('m');
    if (query.source !== undefined) qb.andWhere('m.source = :source', { source: query.source });
    if (query.businessId !== undefined)
      qb.andWhere('m.business_id = :businessId', { businessId: query.businessId });
    if (query.provider !== undefined)
      qb.andWhere('m.provider = :provider', { provider: query.provider });
    if (query.isActive !== undefined)
      qb.andWhere('m.is_active = :isActive', { isActive: query.isActive });
    return readPage(qb, query, BY_CREATED_AT, (a) => this.toResponse(a));
  }

  /**
   * The active account of (source, businessId, provider) and its provider context, for a
   * checkout. Kept for MERCHANT_CACHE_TTL_SECONDS per process (credentials decrypted once): a
   * re-registration through this process is seen at once, one through another process within
   * that time.
   */
  async checkoutAccount(
    source: string,
    businessId: string,
    provider: string,
  ): Promise<{ account: MerchantAccount; ctx: ProviderContext }> {
    const key = credentialsBinding({ source, businessId, provider });
    const cached = this.checkoutCache.get(key);
    if (cached) return cached;
    const account = await this.findForCheckout(source, businessId, provider);
    const entry = { account, ctx: this.providerContext(account) };
    this.checkoutCache.set(key, entry);
    return entry;
  }

  /** The account that takes payments for (source, businessId, provider): it must exist and be active. */
  async findForCheckout(
    source: string,
    businessId: string,
    provider: string,
  ): Promise<MerchantAccount> {
    const account = await this.accounts.findOneBy({ source, businessId, provider });
    if (!account) {
      throw new DomainError(ErrorCode.MerchantNotFound, [
        `no ${provider} merchant account is registered for source "${source}", business "${businessId}"`,
      ]);
    }
    if (!account.isActive) {
      throw new DomainError(ErrorCode.MerchantInactive, [
        `the ${provider} merchant account of business "${businessId}" is deactivated`,
      ]);
    }
    return account;
  }

  /** Switches an account on or off (staff, from the admin); its checkouts stop or resume. */
  async setActive(id: string, isActive: boolean): Promise<MerchantAccount> {
    const account = await this.findById(id);
    await this.accounts.update({ id }, { isActive });
    this.checkoutCache.delete(credentialsBinding(account));
    this.logger.log({ merchantAccountId: id, isActive }, 'Merchant account switched');
    return { ...account, isActive };
  }

  /**
   * The admin's search (without credentials): `q` in the business id, source or display name;
   * optionally one provider and active or not; ordered by source, business, provider.
   */
  search(
    filter: { q?: string; provider?: string; active?: boolean },
    limit: number,
  ): Promise<MerchantAccount[]> {
    const qb = this.accounts
      .createQueryBuilder('m')
      .select([
        'm.id',
        'm.source',
        'm.businessId',
        'm.provider',
        'm.displayName',
        'm.isActive',
        'm.createdAt',
      ]);
    if (filter.q)
      qb.andWhere('(m.business_id ILIKE :q OR m.source ILIKE :q OR m.display_name ILIKE :q)', {
        q: `%${filter.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`,
      });
    if (filter.provider) qb.andWhere('m.provider = :provider', { provider: filter.provider });
    if (filter.active !== undefined)
      qb.andWhere('m.is_active = :active', { active: filter.active });
    return qb
      .orderBy('m.source')
      .addOrderBy('m.business_id')
      .addOrderBy('m.provider')
      .limit(limit)
      .getMany();
  }

  /** The sandbox-mode accounts of `provider`, oldest first (the emulators' merchants). */
  sandboxAccounts(provider: string): Promise<MerchantAccount[]> {
    return this.accounts.find({
      where: { provider, mode: 'sandbox' },
      order: { createdAt: 'ASC' },
    });
  }

  /** The account, when it was registered in sandbox mode. */
  findSandboxAccount(id: string): Promise<MerchantAccount | null> {
    return this.accounts.findOneBy({ id, mode: 'sandbox' });
  }

  async findById(id: string): Promise<MerchantAccount> {
    const account = await this.byId.submit(id);
    if (!account)
      throw new DomainError(ErrorCode.MerchantNotFound, [`merchant account ${id} does not exist`]);
    return account;
  }

  /** What a provider strategy needs for a call on behalf of this account. */
  providerContext(account: MerchantAccount): ProviderContext {
    return {
      merchantAccountId: account.id,
      credentials: this.openCredentials(account),
      callbackUrls: this.callbackUrls(account),
    };
  }

  /**
   * Replaces one credential of an account (a provider rotating a key through its callback), sealed
   * again inside the caller's transaction when one is given.
   */
  async replaceCredential(
    account: MerchantAccount,
    field: string,
    value: string,
    manager?: EntityManager,
  ): Promise<void> {
    const credentials = { ...this.openCredentials(account), [field]: value };
    const sealed = this.cipher.seal(credentials, credentialsBinding(account));
    await (manager ?? this.dataSource.manager).update(
      MerchantAccount,
      { id: account.id },
      {
        credentialsCiphertext: sealed.ciphertext,
        credentialsKeyId: sealed.keyId,
        credentialFields: Object.keys(credentials),
      },
    );
    this.checkoutCache.delete(credentialsBinding(account));
    this.logger.log({ merchantAccountId: account.id, field }, 'Merchant credential replaced');
  }

  /** The decrypted credentials of an account, for provider calls. Never returned by the API. */
  openCredentials(account: MerchantAccount): Credentials {
    // Opened once per sealed value: every callback authenticates with its account's credentials.
    // The cache key is the sealed value itself (key id, binding, ciphertext), so a re-sealed or
    // replaced credential is a new entry and never served stale.
    const binding = credentialsBinding(account);
    const sealedKey = `${account.credentialsKeyId}\u0000${binding}\u0000${account.credentialsCiphertext.toString('base64')}`;
    let credentials = this.openedCredentials.get(sealedKey);
    if (!credentials) {
      credentials = this.cipher.open(
        { ciphertext: account.credentialsCiphertext, keyId: account.credentialsKeyId },
        binding,
      );
      this.openedCredentials.set(sealedKey, credentials);
    }
    return { ...credentials };
  }

  /** Required fields present and non-blank, no fields the provider does not define. */
  private checkCredentials(provider: PaymentProvider, given: Record<string, string>): Credentials {
    const known = new Set(provider.credentialFields.map((f) => f.key));
    const details: string[] = [];
    for (const field of provider.credentialFields) {
      const value = given[field.key];
      if (field.required && (value === undefined || value.trim() === '')) {
        details.push(`credentials.${field.key} is required for ${provider.name}`);
      }
    }
    for (const key of Object.keys(given)) {
      if (!known.has(key)) {
        details.push(
          `credentials.${key} is not a ${provider.name} credential; expected: ${[...known].join(', ')}`,
        );
      }
    }
    if (details.length > 0) throw new DomainError(ErrorCode.ValidationError, details);
    const credentials: Credentials = {};
    for (const field of provider.credentialFields) {
      const value = given[field.key];
      if (value !== undefined && value.trim() !== '') credentials[field.key] = value.trim();
    }
    return credentials;
  }

  private callbackUrls(account: MerchantAccount): Record<string, string> {
    if (!this.registry.has(account.provider)) return {};
    const base = `${this.config.publicUrl}/api/callbacks/${account.provider}/${account.id}`;
    return Object.fromEntries(
      Object.entries(this.registry.get(account.provider).callbackPaths).map(([role, path]) => [
        role,
        path === '' ? base : `${base}/${path}`,
      ]),
    );
  }

  private toResponse(account: MerchantAccount): MerchantResponseDto {
    return {
      id: account.id,
      source: account.source,
      businessId: account.businessId,
      provider: account.provider,
      displayName: account.displayName,
      isActive: account.isActive,
      callbackUrls: this.callbackUrls(account),
      credentialFields: account.credentialFields,
      createdAt: account.createdAt.toISOString(),
      updatedAt: account.updatedAt.toISOString(),
    };
  }
}
