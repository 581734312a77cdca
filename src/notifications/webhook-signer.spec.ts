import { Webhook } from 'standardwebhooks';

import { paymentSignature, standardWebhookSignature, webhookHeaders } from './webhook-signer';

describe('webhook signer', () => {
  it('reproduces the published Standard Webhooks test vector', () => {
    const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
    expect(
      standardWebhookSignature(
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
        key,
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs the seed header over the raw body', () => {
    expect(paymentSignature('{"a":1}', 'secret')).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(paymentSignature('{"a":1}', 'secret')).not.toBe(paymentSignature('{"a": 1}', 'secret'));
  });

  it('is verified by the standardwebhooks library with the documented key', () => {
    const secret = 'sandbox-webhook-signing-secret';
    const body = '{"id":"inv","status":"paid"}';
    const headers = webhookHeaders({
      eventId: 'evt_1',
      invoiceId: 'inv',
      body,
      secret,
      userAgent: 'payment-service/0.1.0',
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    const receiver = new Webhook(Buffer.from(secret, 'utf8').toString('base64'));
    expect(receiver.verify(body, headers)).toEqual({ id: 'inv', status: 'paid' });
    expect(() => receiver.verify(`${body} `, headers)).toThrow();
    expect(headers['x-payment-event']).toBe('invoice.updated');
    expect(headers['x-payment-id']).toBe('inv');
  });
});
