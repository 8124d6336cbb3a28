/**
 * How long history is kept. Pure.
 *
 * A confirmed user's live items never expire: the profile (it holds consent and suppression, which must
 * outlive everything), pending reminders, and events not yet planned. Everything else is history from the
 * moment it stops changing, and carries a DynamoDB TTL (`expiresAt`) of {@link HISTORY_RETENTION_DAYS} days
 * from then:
 *
 * | item        | history from                 |
 * |-------------|------------------------------|
 * | event       | planned (or marked failed)   |
 * | reminder    | cancelled, or claimed (sent) |
 * | digest      | claimed                      |
 * | application | its last write (each write moves it on) |
 *
 * Why 400 days: a job search runs for months (the simulation's is 18 weeks; long ones run past a year), and
 * a year of history after it lets support answer "why did I get this email?" and an admin audit a sender.
 * So storage stops growing: it holds about 400 days of traffic, however long the service runs.
 *
 * An unconfirmed user's items expire far sooner, all together (`admission.ts`, `expiryAfter`); on
 * confirmation the history among them gets this retention instead.
 */

const DAY_SECONDS = 24 * 60 * 60;

/** Days a history item is kept after it became history. */
export const HISTORY_RETENTION_DAYS = 400;

/** The TTL (epoch seconds) of an item that became history at `at`: 400 days later, at the next UTC midnight. */
export function historyExpiry(at: string | Date): number {
  const seconds = Math.floor(new Date(at).getTime() / 1000) + HISTORY_RETENTION_DAYS * DAY_SECONDS;
  return Math.ceil(seconds / DAY_SECONDS) * DAY_SECONDS;
}
