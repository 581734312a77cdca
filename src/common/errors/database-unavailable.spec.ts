import { createServer } from 'node:net';

import { Client, DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';

import { isDatabaseUnavailable } from './database-unavailable';
import { DomainError } from './domain.error';
import { ErrorCode } from './error-code';
import { renderError } from './error-envelope';

/** A port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

function sqlError(code: string, message = 'error'): QueryFailedError {
  const driverError = new DatabaseError(message, 0, 'error');
  driverError.code = code;
  return new QueryFailedError('SELECT 1', [], driverError);
}

describe('isDatabaseUnavailable', () => {
  it('knows a connection PostgreSQL refused (what node-postgres raises, unchanged)', async () => {
    const client = new Client({
      connectionString: `postgres://u:p@127.0.0.1:${await closedPort()}/db`,
    });
    const error: unknown = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is starting up'],
    ['57014', 'canceling statement due to statement timeout'],
    ['08006', 'connection failure'],
    ['53300', 'too many connections'],
  ])('knows SQLSTATE %s (%s) inside a TypeORM QueryFailedError', (code, message) => {
    expect(isDatabaseUnavailable(sqlError(code, message))).toBe(true);
  });

  it.each([
    'timeout exceeded when trying to connect',
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'Client has encountered a connection error and is not queryable',
  ])('knows node-postgres "%s"', (message) => {
    expect(isDatabaseUnavailable(new Error(message))).toBe(true);
  });

  it('looks into causes and the errors of an AggregateError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(isDatabaseUnavailable(new AggregateError([refused]))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: refused }))).toBe(true);
  });

  it.each([
    ['a unique violation', sqlError('23505')],
    ['a deadlock', sqlError('40P01')],
    ['a domain error', new DomainError(ErrorCode.InvoiceNotFound)],
    ['a plain bug', new TypeError('x is undefined')],
    ['nothing', null],
  ])('leaves %s alone', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('renderError of a database outage', () => {
  it('answers 503 SERVICE_UNAVAILABLE with a Retry-After, not 500', () => {
    const rendered = renderError(sqlError('57P01'));
    expect(rendered.httpStatus).toBe(503);
    expect(rendered.envelope.message).toBe('SERVICE_UNAVAILABLE');
    expect(rendered.retryAfterSeconds).toBeGreaterThan(0);
    // Still logged: an outage is ours to look at.
    expect(rendered.unexpected).toBe(true);
  });

  it('gives a SERVICE_UNAVAILABLE domain error (readiness) the same Retry-After', () => {
    const rendered = renderError(new DomainError(ErrorCode.ServiceUnavailable, ['down']));
    expect(rendered.httpStatus).toBe(503);
    expect(rendered.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('still answers 500 for a bug', () => {
    const rendered = renderError(new TypeError('x is undefined'));
    expect(rendered.httpStatus).toBe(500);
    expect(rendered.retryAfterSeconds).toBeUndefined();
  });
});
