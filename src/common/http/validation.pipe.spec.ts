import { ValidationError } from 'class-validator';

import { validationDetails } from './validation.pipe';

describe('validationDetails', () => {
  it('flattens nested errors into dotted paths', () => {
    const child = Object.assign(new ValidationError(), {
      property: 'qty',
      constraints: { min: 'qty must not be less than 1' },
      children: [],
    });
    const parent = Object.assign(new ValidationError(), {
      property: 'ofd',
      constraints: {},
      children: [Object.assign(new ValidationError(), { property: '0', children: [child] })],
    });
    const top = Object.assign(new ValidationError(), {
      property: 'amount',
      constraints: { isInt: 'amount must be an integer number' },
      children: [],
    });
    expect(validationDetails([top, parent])).toEqual([
      'amount must be an integer number',
      'ofd.0.qty must not be less than 1',
    ]);
  });
});
