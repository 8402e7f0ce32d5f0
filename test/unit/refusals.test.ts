import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../activities/database/refusals.js';

// Which database errors end a write for good (non-retryable), and which are retried.

/** A pg error as drizzle hands it on: its query error, with the server's error as cause. */
function drizzleError(code: string, fields: Record<string, string> = {}) {
  const pg = Object.assign(new Error(`server says ${code}`), { code, ...fields });
  return Object.assign(new Error('Failed query: insert into ...'), { cause: pg });
}

describe('refusalOf', () => {
  it.each([
    ['23503', 'a foreign key'],
    ['23505', 'a unique key that is no idempotent repeat'],
    ['23514', 'a check'],
    ['22003', 'a value out of range'],
    ['RX002', 'the terminal-row guard'],
    ['RX001', 'the append-only audit'],
  ])('turns SQLSTATE %s (%s) into a non-retryable DatabaseRefusedError', (code) => {
    const refused = refusalOf(
      'finishAttempt',
      drizzleError(code, { constraint: 'c1', table: 't1' }),
    );
    expect(refused).toBeInstanceOf(ApplicationFailure);
    const failure = refused as ApplicationFailure;
    expect(failure.type).toBe('DatabaseRefusedError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(
      `finishAttempt: the database refused the write (SQLSTATE ${code}, c1): server says ${code}`,
    );
    expect(failure.details).toEqual([
      { activity: 'finishAttempt', sqlState: code, constraint: 'c1', table: 't1' },
    ]);
  });

  it.each([
    ['40001', 'a serialization failure'],
    ['40P01', 'a deadlock'],
    ['57P01', 'the server shutting down'],
    ['08006', 'a lost connection'],
    ['53300', 'too many connections'],
  ])('leaves SQLSTATE %s (%s) as it is: retried', (code) => {
    const err = drizzleError(code);
    expect(refusalOf('startAttempt', err)).toBe(err);
  });

  it('leaves errors without a SQLSTATE as they are (a socket error, a timeout)', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(refusalOf('startAttempt', reset)).toBe(reset);
    const plain = new Error('timeout exceeded when trying to connect');
    expect(refusalOf('startAttempt', plain)).toBe(plain);
  });
});
