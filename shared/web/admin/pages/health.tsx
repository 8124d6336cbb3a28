/** @jsxImportSource hono/jsx */
/**
 * Health: what needs an operator. Digests stuck in sending (with Mark sent / Release), dead letters per
 * queue (with Redrive, for the queues that can be), emails sent per day over 30 days with bounces and complaints, and the oldest overdue reminder (a
 * reminder past due and still pending means a timer did not fire or the sender failed).
 */
import {
  type AdminPrincipal,
  canAct,
  type HealthView,
  REDRIVABLE_DEAD_LETTER_QUEUES,
} from '../../../../events/admin-api.ts';
import { BarChart, Table } from '../../components.tsx';
import { AdminPage, dayLabel, kindLabel, Tag, utc } from './frame.tsx';
import { confirmHref, DigestActions } from './user.tsx';

const redrivable = (queue: string): boolean =>
  (REDRIVABLE_DEAD_LETTER_QUEUES as readonly string[]).includes(queue);

function ago(from: string, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - new Date(from).getTime()) / 60_000));
  if (minutes < 120) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours` : `${Math.round(hours / 24)} days`;
}

export function HealthPage(props: {
  readonly principal: AdminPrincipal;
  readonly health: HealthView;
  readonly now: Date;
  readonly banner?: string | undefined;
}) {
  const { health, now } = props;
  const operator = canAct(props.principal);
  const sent = health.emailsPerDay.reduce((sum, d) => sum + d.count, 0);
  const dead = health.deadLetters.reduce((sum, q) => sum + q.count, 0);
  const overdue = health.oldestOverdue;
  return (
    <AdminPage title="Health" principal={props.principal} banner={props.banner}>
      <h1>Health</h1>
      <h2>Digests stuck in sending</h2>
      {health.stuckDigests.length && operator ? (
        <p>
          The sender claimed these and did not record the result. Mark a digest sent if its email was
          delivered; release it to send its reminders again, which <strong>may email the user twice</strong>.
        </p>
      ) : null}
      <Table
        caption="Digests stuck in sending"
        head={['User', 'Digest', 'Claimed', 'Reminders', ...(operator ? ['Actions'] : [])]}
        empty="None."
        rows={health.stuckDigests.map((d) => [
          <code>{d.userId}</code>,
          <code>{d.digestId}</code>,
          `${utc(d.claimedAt)} (${ago(d.claimedAt, now)} ago)`,
          String(d.reminderIds.length),
          ...(operator ? [<DigestActions userId={d.userId} digestId={d.digestId} />] : []),
        ])}
      />
      <h2>Dead letters</h2>
      <p>{dead === 0 ? <Tag tone="sent">None</Tag> : <Tag tone="failed">{`${dead} in all`}</Tag>}</p>
      {dead > 0 && operator ? (
        <p>
          Redrive hands a queue's messages back to the pipeline: a failed wake-up of the sender runs again at
          the next minute, a failed stream batch is planned again. Nothing is sent or planned twice.
        </p>
      ) : null}
      <Table
        caption="Messages in each dead-letter queue"
        head={['Queue', 'Messages', ...(operator ? ['Actions'] : [])]}
        empty="No dead-letter queues configured."
        rows={health.deadLetters.map((q) => [
          q.name,
          String(q.count),
          ...(operator
            ? [
                q.count > 0 && redrivable(q.name) ? (
                  <a
                    class="button button--secondary button--small"
                    href={confirmHref({ action: 'dead_letter.redrive', queue: q.name })}
                  >
                    Redrive<span class="skip"> the {q.name} queue</span>
                  </a>
                ) : (
                  ''
                ),
              ]
            : []),
        ])}
      />
      <h2>Emails in the last 30 days</h2>
      <dl class="summary">
        <dt>Sent</dt>
        <dd>{sent}</dd>
        <dt>Bounces</dt>
        <dd>{health.bounces}</dd>
        <dt>Complaints</dt>
        <dd>{health.complaints}</dd>
      </dl>
      <BarChart
        title="Emails sent per day (UTC), last 30 days"
        columns={health.emailsPerDay.map((d) => ({
          label: dayLabel(d.day),
          segments: d.count > 0 ? [{ series: 'follow_up', value: d.count }] : [],
        }))}
        series={[{ key: 'follow_up', label: 'Emails sent' }]}
      />
      <h2>Oldest overdue reminder</h2>
      {overdue ? (
        <dl class="summary">
          <dt>Due</dt>
          <dd>
            {utc(overdue.dueAt)} ({ago(overdue.dueAt, now)} ago)
          </dd>
          <dt>Reminder</dt>
          <dd>
            {kindLabel(overdue.kind)} for {overdue.company}, user {overdue.user.maskedEmail} (
            <code>{overdue.userId}</code>)
          </dd>
          <dt>Timer</dt>
          <dd>
            <code>{overdue.timer.scheduleName}</code> ({overdue.timer.state})
          </dd>
        </dl>
      ) : (
        <p>
          <Tag tone="sent">None</Tag> No pending reminder is past due.
        </p>
      )}
    </AdminPage>
  );
}
