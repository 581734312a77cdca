import { ValidateBy, ValidationOptions, buildMessage } from 'class-validator';

import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

// A date, or a date and time with an optional fraction (up to nanoseconds) and offset (none = UTC).
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * A client's ISO 8601 / RFC 3339 instant as PostgreSQL's exact text, `YYYY-MM-DDTHH:MM:SS.ffffffZ`
 * (UTC, microseconds), or null when it is not one: only calendar dates (no week or ordinal dates),
 * real days and times, years 1–9999 once in UTC (always within PostgreSQL's range). A finer
 * fraction is rounded up to the microsecond, which keeps both `>=` and `<` exact against stored
 * microsecond values. Read here rather than through `Date`, which keeps milliseconds only and
 * reads a date-time without offset in the server's zone.
 */
export function exactInstant(text: string): string | null {
  const match = ISO_INSTANT.exec(text);
  if (!match) return null;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match
    .slice(1, 7)
    .map((part) => (part === undefined ? undefined : Number(part)));
  if (year === undefined || month === undefined || day === undefined) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const offset = offsetMinutes(match[8]);
  if (offset === null) return null;

  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  if (
    local.getUTCFullYear() !== year ||
    local.getUTCMonth() !== month - 1 ||
    local.getUTCDate() !== day
  )
    return null;
  const nanoseconds = Number((match[7] ?? '').padEnd(9, '0'));
  const microseconds = Math.ceil(nanoseconds / 1000);
  const epochMs =
    local.getTime() +
    ((hour * 60 + minute - offset) * 60 + second) * 1000 +
    Math.floor(microseconds / 1000);
  const iso = new Date(epochMs).toISOString();
  // toISOString writes years outside 0–9999 with a sign: out of our range.
  if (!/^\d{4}-/.test(iso) || iso.startsWith('0000')) return null;
  return `${iso.slice(0, 23)}${String(microseconds % 1000).padStart(3, '0')}Z`;
}

function offsetMinutes(zone: string | undefined): number | null {
  if (zone === undefined || zone === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return null;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/** The exact instant of a value its DTO validated with `@IsInstant()`. */
export function toExactInstant(text: string): string {
  const instant = exactInstant(text);
  if (instant === null)
    throw new DomainError(ErrorCode.ValidationError, [`${text} is not an ISO 8601 instant`]);
  return instant;
}

/** An ISO 8601 date (`2026-01-31`, UTC midnight) or date-time (`2026-01-31T09:30:00Z`). */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && exactInstant(value) !== null,
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be an ISO 8601 date (2026-01-31) or date-time ` +
            '(2026-01-31T09:30:00Z, +05:00 or no offset for UTC), years 1-9999',
          options,
        ),
      },
    },
    options,
  );
}
