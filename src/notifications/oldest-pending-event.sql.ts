import { WEBHOOK_EVENT_DISPATCHABLE } from './webhook-event.state-machine';

/** A row of OLDEST_PENDING_EVENT_SQL: both null when no event is pending. */
export interface OldestPendingEventRow {
  since: Date | null;
  /** Seconds from `since` to the database's now. */
  age: number | null;
}

/**
 * When the oldest event still awaiting delivery (pending: neither delivered, dead nor superseded)
 * was written, and its age by the database's clock. Read by every metrics scrape and by the admin
 * overview, whatever the backlog.
 */
export const OLDEST_PENDING_EVENT_SQL = `SELECT min(created_at) AS since, extract(epoch FROM now() - min(created_at))::float8 AS age
  FROM webhook_events WHERE status = '${WEBHOOK_EVENT_DISPATCHABLE}'`;
