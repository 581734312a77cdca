import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Counter } from 'prom-client';
import {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';

interface Deferred {
  counter: Counter<string>;
  labels: Record<string, string>;
  /** The transaction's savepoint depth when counted: a rollback to below it drops the count. */
  depth: number;
}

const DEFERRED_COUNTS = 'deferredMetricCounts';

/**
 * The transaction's nesting (1: the transaction, 2 and more: savepoints), which TypeORM's query
 * runners keep and change before telling subscribers of a commit or rollback, but do not declare.
 */
function transactionDepth(runner: QueryRunner): number {
  return runner.isTransactionActive
    ? (runner as unknown as { transactionDepth: number }).transactionDepth
    : 0;
}

function deferredCounts(manager: EntityManager): Deferred[] {
  const data = (manager.queryRunner?.data ?? {}) as Record<string, Deferred[] | undefined>;
  return (data[DEFERRED_COUNTS] ??= []);
}

/**
 * Counts `counter` once what `manager` wrote commits: at once outside a transaction, at the
 * commit of the transaction otherwise, and never when it (or the savepoint it was counted under)
 * rolls back. A metric must not report a payment that did not happen.
 */
export function countOnCommit<Label extends string>(
  manager: EntityManager,
  counter: Counter<Label>,
  labels: Record<Label, string>,
): void {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) {
    counter.inc(labels);
    return;
  }
  deferredCounts(manager).push({
    counter,
    labels,
    depth: transactionDepth(runner),
  });
}

/** Applies (on commit) or drops (on rollback) the counts of countOnCommit, for every transaction. */
@Injectable()
export class CommittedCounts implements EntitySubscriberInterface {
  constructor(@InjectDataSource() dataSource: DataSource) {
    dataSource.subscribers.push(this);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const counts = deferredCounts(event.manager);
    if (event.queryRunner.isTransactionActive) {
      // A savepoint released: its counts now belong to the enclosing level, not committed yet.
      const depth = transactionDepth(event.queryRunner);
      for (const count of counts) count.depth = Math.min(count.depth, depth);
      return;
    }
    for (const { counter, labels } of counts.splice(0)) counter.inc(labels);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const counts = deferredCounts(event.manager);
    const depth = transactionDepth(event.queryRunner);
    const kept = counts.filter((count) => count.depth <= depth);
    counts.splice(0, counts.length, ...kept);
  }
}
