/** @jsxImportSource hono/jsx */
/**
 * Find a user: a search by exact address, then the user's profile, applications, pending reminders (each with
 * a live check of its timer), digests and timeline.
 *
 * Operators get the actions. Each is a GET link or GET form to the confirm page, which says exactly what will
 * happen and holds the one POST form: nothing changes from this page, and nothing needs JavaScript. Viewers
 * get no buttons at all.
 */
import type { AdminPrincipal, AdminReminder, TimerCheck, UserView } from '../../../../events/admin-api.ts';
import { canAct } from '../../../../events/admin-api.ts';
import { Button, ErrorSummary, type FieldError, Table, TextField } from '../../components.tsx';
import { AdminPage, kindLabel, qs, Tag, utc } from './frame.tsx';

/** The confirm page's link for an action (see `ConfirmPage`). */
export const confirmHref = (params: Readonly<Record<string, string | undefined>>): string =>
  `/admin/confirm${qs(params)}`;

const CONSENT: Readonly<Record<UserView['consent'], string>> = {
  unconfirmed: 'Waiting for consent',
  confirmed: 'Confirmed',
  unsubscribed: 'Unsubscribed',
  suppressed: 'Suppressed (not me, bounce or complaint)',
};

function TimerCheckCell(props: { readonly check: TimerCheck }) {
  const c = props.check;
  switch (c.state) {
    case 'present':
      return (
        <>
          <Tag tone="present">Present</Tag> at {utc(c.at)}
        </>
      );
    case 'missing':
      return (
        <>
          <Tag tone="missing">Missing</Tag> <code>{c.scheduleName}</code>
        </>
      );
    case 'different':
      return (
        <>
          <Tag tone="different">At a different time</Tag> {utc(c.at)}, expected {utc(c.expected)}
        </>
      );
    case 'not_expected':
      return <Tag tone="not_expected">None while waiting for consent</Tag>;
  }
}

function ReminderActions(props: { readonly r: AdminReminder; readonly email: string; readonly i: number }) {
  const { r, email, i } = props;
  const ids = { userId: r.userId, reminderId: r.reminderId, email };
  return (
    <div class="actions">
      <a
        class="button button--secondary button--small"
        href={confirmHref({ action: 'reminder.cancel', ...ids })}
      >
        Cancel
        <span class="skip">
          {' '}
          {kindLabel(r.kind)} for {r.company}
        </span>
      </a>
      {/* A reminder held for consent cannot be sent before the user says yes: no button to be refused. */}
      {r.held ? null : (
        <a
          class="button button--secondary button--small"
          href={confirmHref({ action: 'reminder.send_now', ...ids })}
        >
          Send now
          <span class="skip">
            {' '}
            {kindLabel(r.kind)} for {r.company}
          </span>
        </a>
      )}
      <form method="get" action="/admin/confirm" class="actions">
        <input type="hidden" name="action" value="reminder.reschedule" />
        <input type="hidden" name="userId" value={r.userId} />
        <input type="hidden" name="reminderId" value={r.reminderId} />
        <input type="hidden" name="email" value={email} />
        <div class="field">
          <label for={`dueAt-${i}`}>New time (UTC)</label>
          <input id={`dueAt-${i}`} name="dueAt" type="datetime-local" value={r.dueAt.slice(0, 16)} required />
        </div>
        <button type="submit" class="button button--secondary button--small">
          Reschedule
          <span class="skip">
            {' '}
            {kindLabel(r.kind)} for {r.company}
          </span>
        </button>
      </form>
    </div>
  );
}

function UserActions(props: { readonly user: UserView }) {
  const { user } = props;
  const ids = { userId: user.userId, email: user.email };
  return (
    <>
      <h2>Actions</h2>
      <div class="actions">
        <form method="get" action="/admin/confirm" class="actions">
          <input type="hidden" name="action" value="user.pause" />
          <input type="hidden" name="userId" value={user.userId} />
          <input type="hidden" name="email" value={user.email} />
          <div class="field">
            <label for="weeks">Pause for</label>
            <select id="weeks" name="weeks">
              <option value="2">2 weeks</option>
              <option value="4">4 weeks</option>
              <option value="8">8 weeks</option>
            </select>
          </div>
          <button type="submit" class="button button--secondary">
            Pause
          </button>
        </form>
        {user.pausedUntil ? (
          <a class="button button--secondary" href={confirmHref({ action: 'user.resume', ...ids })}>
            Resume
          </a>
        ) : null}
        <a class="button button--secondary" href={confirmHref({ action: 'user.resync', ...ids })}>
          Re-sync timers
        </a>
        <a class="button button--warning" href={confirmHref({ action: 'user.erase', ...ids })}>
          Delete all data
        </a>
      </div>
    </>
  );
}

export function UserPage(props: {
  readonly principal: AdminPrincipal;
  readonly email?: string | undefined;
  readonly user?: UserView | undefined;
  readonly banner?: string | undefined;
  readonly errors?: readonly FieldError[];
}) {
  const { user, email } = props;
  const errors = props.errors ?? [];
  const operator = canAct(props.principal);
  const searched = email !== undefined && email !== '' && errors.length === 0;
  return (
    <AdminPage
      title={errors.length ? 'Error: Find a user' : user ? `User ${user.email}` : 'Find a user'}
      principal={props.principal}
      banner={props.banner}
    >
      <h1>Find a user</h1>
      <ErrorSummary errors={errors} />
      <form method="get" action="/admin/users" class="filters">
        <TextField
          id="email"
          label="Email address"
          hint="The whole address: users are found by exact match."
          type="email"
          value={email}
          error={errors.find((e) => e.field === 'email')?.message}
        />
        <div class="field">
          <Button>Find user</Button>
        </div>
      </form>
      {searched && !user ? (
        <p>
          <strong>No user has the address {email}.</strong>
        </p>
      ) : null}
      {user ? (
        <>
          <h2>Profile</h2>
          <dl class="summary">
            <dt>Name</dt>
            <dd>{user.name ?? 'Not given'}</dd>
            <dt>Email</dt>
            <dd>{user.email}</dd>
            <dt>User id</dt>
            <dd>
              <code>{user.userId}</code>
            </dd>
            <dt>Time zone</dt>
            <dd>{user.timezone}</dd>
            <dt>Consent</dt>
            <dd>{CONSENT[user.consent]}</dd>
            <dt>Opted out of</dt>
            <dd>{user.optOuts.length ? user.optOuts.map(kindLabel).join(', ') : 'Nothing'}</dd>
            <dt>Paused</dt>
            <dd>{user.pausedUntil ? `Until ${utc(user.pausedUntil)}` : 'No'}</dd>
            {user.searchEndedAt ? (
              <>
                <dt>Search ended</dt>
                <dd>{utc(user.searchEndedAt)}</dd>
              </>
            ) : null}
          </dl>
          {operator ? <UserActions user={user} /> : null}

          <h2>Applications</h2>
          <Table
            caption="Applications"
            head={['Company', 'Role', 'Status', 'Last event', 'Stopped']}
            empty="No applications."
            rows={user.applications.map((a) => [
              a.company,
              a.role ?? '',
              a.status,
              `${a.lastEventType}, ${utc(a.lastEventAt)}`,
              utc(a.stoppedAt),
            ])}
          />

          <h2>Pending reminders</h2>
          <Table
            caption="Pending reminders with a live check of their timers"
            head={[
              'Kind',
              'Company',
              'Due (UTC)',
              "Due (user's time)",
              'Status',
              'Timer',
              ...(operator ? ['Actions'] : []),
            ]}
            empty="No pending reminders."
            rows={user.pending.map((r, i) => [
              <>
                {kindLabel(r.kind)} <span class="muted">#{r.sequence}</span>
              </>,
              <>
                <a href={`/admin/emails${qs({ userId: r.userId, reminderId: r.reminderId })}`}>{r.company}</a>
                {r.role ? <span class="muted"> – {r.role}</span> : null}
              </>,
              utc(r.dueAt),
              r.dueLocal,
              r.held ? <Tag tone="waiting">Held for consent</Tag> : <Tag tone={r.status}>{r.status}</Tag>,
              <TimerCheckCell check={r.timerCheck} />,
              ...(operator ? [<ReminderActions r={r} email={user.email} i={i} />] : []),
            ])}
          />

          <h2>Digests</h2>
          {operator && user.digests.some((d) => d.status === 'sending') ? (
            <p>
              A digest stuck in <strong>sending</strong> may or may not have gone out. Mark it sent if the
              email was delivered; release it to send its reminders again, which{' '}
              <strong>may email the user twice</strong>.
            </p>
          ) : null}
          <Table
            caption="Digests (emails grouping the reminders sent together)"
            head={[
              'Digest',
              'Status',
              'Claimed',
              'Sent',
              'Message id',
              'Reminders',
              ...(operator ? ['Actions'] : []),
            ]}
            empty="No digests."
            rows={user.digests.map((d) => [
              <code>{d.digestId}</code>,
              <Tag tone={d.status}>{d.status}</Tag>,
              utc(d.claimedAt),
              utc(d.sentAt),
              d.messageId ? <code>{d.messageId}</code> : '',
              String(d.reminderIds.length),
              ...(operator
                ? [
                    d.status === 'sending' ? (
                      <DigestActions userId={d.userId} digestId={d.digestId} email={user.email} />
                    ) : (
                      ''
                    ),
                  ]
                : []),
            ])}
          />

          <h2>Timeline</h2>
          <Table
            caption="Timeline, oldest first"
            head={['Time (UTC)', 'What', 'Source or actor', 'Status', 'Message id']}
            empty="Nothing has happened yet."
            rows={user.timeline.map((t) => [
              utc(t.at),
              <>
                {t.summary}
                {t.subject ? <span class="muted"> – “{t.subject}”</span> : null}
              </>,
              t.source ?? '',
              t.status ?? '',
              t.messageId ? <code>{t.messageId}</code> : '',
            ])}
          />
        </>
      ) : null}
    </AdminPage>
  );
}

/** Mark sent / Release for a digest stuck in sending (the user page and the health page). */
export function DigestActions(props: {
  readonly userId: string;
  readonly digestId: string;
  readonly email?: string | undefined;
}) {
  const ids = { userId: props.userId, digestId: props.digestId, email: props.email };
  return (
    <div class="actions">
      <a
        class="button button--secondary button--small"
        href={confirmHref({ action: 'digest.mark_sent', ...ids })}
      >
        Mark sent<span class="skip"> digest {props.digestId}</span>
      </a>
      <a
        class="button button--warning button--small"
        href={confirmHref({ action: 'digest.release', ...ids })}
      >
        Release<span class="skip"> digest {props.digestId}</span>
      </a>
    </div>
  );
}
