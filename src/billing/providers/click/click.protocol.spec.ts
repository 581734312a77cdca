import { ClickError, clickResponse, clickSignature, parseClickRequest } from './click.protocol';

const PREPARE = {
  click_trans_id: '123456789',
  service_id: '1234',
  click_paydoc_id: '987654321',
  merchant_trans_id: 'ORD-1',
  amount: '1000.00',
  action: '0',
  error: '0',
  error_note: 'Success',
  sign_time: '2024-05-01 12:00:00',
  sign_string: '4f67f3ac97ae892a26bfe1c6bdb4840e',
};

describe('Click SHOP API protocol', () => {
  it('signs Prepare and Complete as the test vectors of click.md §3.1', () => {
    expect(clickSignature({ ...PREPARE, merchant_prepare_id: '' }, 'TESTSECRET')).toBe(
      '4f67f3ac97ae892a26bfe1c6bdb4840e',
    );
    expect(
      clickSignature(
        { ...PREPARE, action: '1', merchant_prepare_id: '55', sign_time: '2024-05-01 12:00:05' },
        'TESTSECRET',
      ),
    ).toBe('a763634ddb4ae9c7efa24867a7aa7e05');
  });

  it('signs the amount string as received: 1000 and 1000.00 are different strings', () => {
    const a = clickSignature({ ...PREPARE, merchant_prepare_id: '', amount: '1000' }, 'S');
    const b = clickSignature({ ...PREPARE, merchant_prepare_id: '', amount: '1000.00' }, 'S');
    expect(a).not.toBe(b);
  });

  it('names missing or malformed fields, and needs merchant_prepare_id only for Complete', () => {
    expect(parseClickRequest({ ...PREPARE, sign_time: undefined })).toEqual({
      problems: ['sign_time'],
    });
    expect(parseClickRequest({ ...PREPARE, action: '1' })).toEqual({
      problems: ['merchant_prepare_id'],
    });
    expect(parseClickRequest({ ...PREPARE, click_trans_id: '12x' })).toEqual({
      problems: ['click_trans_id'],
    });
    expect(parseClickRequest('nonsense')).toHaveProperty('problems');
    expect(parseClickRequest(PREPARE)).toEqual({
      request: { ...PREPARE, merchant_prepare_id: '' },
    });
  });

  it('echoes ids above 2^53 digit for digit', () => {
    const json = clickResponse({
      clickTransId: '18446744073709551615',
      merchantTransId: 'ORD-1',
      idField: 'merchant_prepare_id',
      id: '7',
      error: ClickError.Success,
    });
    expect(json).toBe(
      '{"click_trans_id":18446744073709551615,"merchant_trans_id":"ORD-1","merchant_prepare_id":7,"error":0,"error_note":"Success"}',
    );
    expect(
      clickResponse({
        clickTransId: null,
        merchantTransId: null,
        idField: 'merchant_confirm_id',
        id: null,
        error: ClickError.ErrorInRequest,
      }),
    ).toBe(
      '{"click_trans_id":null,"merchant_trans_id":null,"merchant_confirm_id":null,"error":-8,"error_note":"Error in request from click"}',
    );
  });
});
