import { ValueTransformer } from 'typeorm';

/** `bigint` columns hold numbers below 2^53 (ms timestamps); the driver returns strings. */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => {
    if (value === null) return null;
    const number = Number(value);
    if (!Number.isSafeInteger(number)) throw new RangeError(`bigint ${value} is beyond 2^53`);
    return number;
  },
};
