/** Valid registration bodies per provider, with overrides. */
export const SANDBOX_CREDENTIALS: Record<string, Record<string, string>> = {
  multicard: {
    applicationId: 'rhmt_test',
    secret: 'Pw18axeBFo8V7NamKHXX',
    storeId: 'a1df872e-d5aa-11ee-8de8-005056b4367d',
  },
  click: {
    serviceId: '1234',
    merchantId: '5678',
    secretKey: 'click-secret-key-42',
    merchantUserId: '91',
  },
  payme: { merchantId: '5e730e8e0b852a417aa49ceb', key: 'payme-cashbox-key-&7' },
  uzum: { serviceId: '498', login: 'uzum-login', password: 'uzum-password-9' },
  stripe: {
    secretKey: 'sk_test_sandbox_4eC39HqLyjWDarjtT1zdp7dc',
    webhookSecret: 'whsec_sandbox_0123',
  },
};

export function merchantBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const provider = (overrides.provider as string | undefined) ?? 'multicard';
  return {
    source: 'marketplace',
    businessId: 'biz_42',
    provider,
    credentials: SANDBOX_CREDENTIALS[provider],
    displayName: `Restoran A — ${provider}`,
    ...overrides,
  };
}
