/** @jsxImportSource hono/jsx */
/**
 * Upcoming: pending reminders by due time, filtered by a plain GET form (so a filtered view is a link that can
 * be shared), paginated by the API's opaque cursor, above a chart of the next 8 weeks by kind.
 *
 * Lists show masked addresses only, and the user page is found by the whole address, so a row links to the
 * preview of that reminder's email (which names the reminder and its user id) rather than to the user.
 */
import type { AdminPrincipal, AdminReminder, ReminderPage } from '../../../../events/admin-api.ts';
import { REMINDER_KINDS_FOR_CONTRACT } from '../../../../events/reminder-kinds.ts';
import {
  BarChart,
  Button,
  ErrorSummary,
  type FieldError,
  Select,
  Table,
  TextField,
} from '../../components.tsx';
import { AdminPage, dayLabel, KIND_SHORT, kindLabel, qs, Tag, utc } from './frame.tsx';

/** The filter form's values as typed (dates as `YYYY-MM-DD`). */
export interface UpcomingFilters {
  readonly kind?: string | undefined;
  readonly consent?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly source?: string | undefined;
}

export type DayCounts = readonly {
  readonly day: string;
  readonly counts: Readonly<Record<string, number>>;
}[];

const SERIES = REMINDER_KINDS_FOR_CONTRACT.map((key) => ({ key, label: KIND_SHORT[key] ?? key }));

function timerCell(r: AdminReminder) {
  if (r.held) return <Tag tone="waiting">Waiting for consent</Tag>;
  return r.timer.state === 'scheduled' ? (
    <>
      <Tag tone="present">Scheduled</Tag> <code>{r.timer.scheduleName}</code>
    </>
  ) : (
    <Tag tone="missing">No timer</Tag>
  );
}

export function UpcomingPage(props: {
  readonly principal: AdminPrincipal;
  readonly filters: UpcomingFilters;
  readonly page?: ReminderPage | undefined;
  readonly chart: DayCounts;
  readonly errors?: readonly FieldError[];
}) {
  const { filters, page } = props;
  const errors = props.errors ?? [];
  const errorFor = (field: string) => errors.find((e) => e.field === field)?.message;
  const nextHref = page?.next ? `/admin/upcoming${qs({ ...filters, cursor: page.next })}` : undefined;
  return (
    <AdminPage
      title={errors.length ? 'Error: Upcoming reminders' : 'Upcoming reminders'}
      principal={props.principal}
    >
      <h1>Upcoming reminders</h1>
      <ErrorSummary errors={errors} />
      <BarChart
        title="Reminders due per day over the next 8 weeks, by kind (UTC days)"
        columns={props.chart.map((d) => ({
          label: dayLabel(d.day),
          segments: SERIES.map((s) => ({ series: s.key, value: d.counts[s.key] ?? 0 })).filter(
            (s) => s.value > 0,
          ),
        }))}
        series={SERIES}
      />
      <h2>Pending reminders</h2>
      <form method="get" action="/admin/upcoming" class="filters">
        <Select
          id="kind"
          label="Kind"
          value={filters.kind}
          options={[
            { value: '', label: 'Any kind' },
            ...SERIES.map((s) => ({ value: s.key, label: s.label })),
          ]}
        />
        <Select
          id="consent"
          label="Consent"
          value={filters.consent ?? 'confirmed'}
          options={[
            { value: 'confirmed', label: 'Confirmed (timer set)' },
            { value: 'waiting', label: 'Waiting for consent' },
          ]}
        />
        <TextField
          id="from"
          label="Due from (UTC)"
          type="date"
          value={filters.from}
          error={errorFor('from')}
        />
        <TextField id="to" label="Due to (UTC)" type="date" value={filters.to} error={errorFor('to')} />
        <TextField id="source" label="Source" value={filters.source} error={errorFor('source')} />
        <div class="field">
          <Button>Filter</Button>
        </div>
      </form>
      {page ? (
        <Table
          caption="Pending reminders, soonest first"
          head={['User', 'Company', 'Kind', 'Due (UTC)', "Due (user's time)", 'Source', 'Timer']}
          empty="No pending reminders match these filters."
          rows={page.items.map((r) => [
            <>
              {r.user.name ? (
                <>
                  {r.user.name}
                  <br />
                </>
              ) : null}
              <a href={`/admin/users${qs({ id: r.userId })}`}>{r.user.maskedEmail}</a>
            </>,
            <>
              <a href={`/admin/emails${qs({ userId: r.userId, reminderId: r.reminderId })}`}>{r.company}</a>
              {r.role ? <span class="muted"> – {r.role}</span> : null}
            </>,
            kindLabel(r.kind),
            utc(r.dueAt),
            r.dueLocal,
            r.sourceId ?? '',
            timerCell(r),
          ])}
        />
      ) : null}
      {nextHref ? (
        <p>
          <a href={nextHref}>Next page</a>
        </p>
      ) : null}
      {page?.items.length ? (
        <p class="muted">A company links to the preview of that reminder's email.</p>
      ) : null}
    </AdminPage>
  );
}
