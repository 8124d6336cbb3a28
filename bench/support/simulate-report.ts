/**
 * The pure half of `npm run simulate`: the twin's meter as a schema, the audit of the table and the sent
 * emails at the end of a run (double sends, lost reminders), API calls per reminder, item sizes, and the
 * printed report. No I/O here, so every number the report shows is unit-tested.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import type { CostBreakdown } from './pricing.ts';

// ---- the meter ------------------------------------------------------------------------------------------------

const count = z.number().nonnegative();
/** The twin's meter gives `{ calls, forwarded, faulted }` per operation; every call the handlers made counts. */
const callCount = z.union([count, z.object({ calls: count }).transform((c) => c.calls)]);
/** The twin's meter gives `{ count, errors, totalMs }` per function. */
const invocationCount = z.union([
  z.object({ count, durationMs: count }),
  z.object({ count, totalMs: count }).transform((i) => ({ count: i.count, durationMs: i.totalMs })),
]);

/**
 * `GET /_local/meter`: what the handlers' own SDK clients called (keys `<Service>.<Operation>`, e.g.
 * `DynamoDB.Query`, `Scheduler.CreateSchedule`, `SES.SendEmail`) and each function's invocations, since
 * the twin started or the last `DELETE /_local/meter`. Optional, when the meter offers them: DynamoDB
 * consumed capacity (`ReturnConsumedCapacity`) and the bytes the functions logged.
 */
export const MeterSchema = z.object({
  awsCalls: z.record(z.string(), callCount),
  invocations: z.record(z.string(), invocationCount),
  /** The same calls split by function, when the meter offers it: lets the report leave the reconciler out. */
  awsCallsByFunction: z.record(z.string(), z.record(z.string(), z.number().nonnegative())).optional(),
  dynamodb: z
    .object({ readUnits: z.number().nonnegative(), writeUnits: z.number().nonnegative() })
    .optional(),
  logs: z.object({ bytes: z.number().nonnegative() }).optional(),
});
export type Meter = z.infer<typeof MeterSchema>;

/** The one function that runs on a fixed rate (every 5 minutes) rather than per event or reminder. */
export const FIXED_RATE_FUNCTION = 'reconciler';

/** Invocations of every function but the reconciler: ingest, planner, sender, and the user-action ones. */
export function perReminderInvocations(
  meter: Meter,
): Record<string, { invocations: number; durationMs: number }> {
  return Object.fromEntries(
    Object.entries(meter.invocations)
      .filter(([name]) => name !== FIXED_RATE_FUNCTION)
      .map(([name, i]) => [name, { invocations: i.count, durationMs: i.durationMs }]),
  );
}

/**
 * The calls that scale with the workload: every function's but the reconciler's when the meter splits calls
 * by function, else every call (the reconciler's Queries included).
 */
export function perReminderCalls(meter: Meter): Record<string, number> {
  if (!meter.awsCallsByFunction) return { ...meter.awsCalls };
  const out: Record<string, number> = {};
  for (const [fn, calls] of Object.entries(meter.awsCallsByFunction)) {
    if (fn === FIXED_RATE_FUNCTION) continue;
    for (const [key, n] of Object.entries(calls)) out[key] = (out[key] ?? 0) + n;
  }
  return out;
}

export interface CallsRow {
  readonly service: string;
  readonly operation: string;
  readonly calls: number;
  readonly perReminder: number;
}

export interface CallsPerReminder {
  readonly rows: readonly CallsRow[];
  readonly total: number;
  /** Everything but the email itself (the issue's target: ≤ 3). */
  readonly totalWithoutSes: number;
}

/** AWS API calls per reminder sent, by service and operation, largest first. */
export function callsPerReminder(
  awsCalls: Readonly<Record<string, number>>,
  remindersSent: number,
): CallsPerReminder {
  const per = (n: number) => (remindersSent > 0 ? n / remindersSent : Number.NaN);
  const rows = Object.entries(awsCalls)
    .filter(([, calls]) => calls > 0)
    .map(([key, calls]): CallsRow => {
      const dot = key.indexOf('.');
      return {
        service: dot < 0 ? key : key.slice(0, dot),
        operation: dot < 0 ? '' : key.slice(dot + 1),
        calls,
        perReminder: per(calls),
      };
    })
    .sort((a, b) => b.calls - a.calls || a.service.localeCompare(b.service));
  const total = rows.reduce((sum, r) => sum + r.calls, 0);
  const ses = rows.filter((r) => r.service.startsWith('SES')).reduce((sum, r) => sum + r.calls, 0);
  return { rows, total: per(total), totalWithoutSes: per(total - ses) };
}

/** The DynamoDB calls of a meter, keyed by operation. */
export function dynamoCalls(awsCalls: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, calls] of Object.entries(awsCalls)) {
    if (key.startsWith('DynamoDB.')) out[key.slice('DynamoDB.'.length)] = calls;
  }
  return out;
}

// ---- item sizes ---------------------------------------------------------------------------------------------

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * Approximate size of a stored attribute value, following DynamoDB's published rules: strings and binaries
 * by length, numbers about one byte per two digits plus one, booleans and null one byte, and three bytes
 * of overhead per map or list plus one per element.
 */
export function attributeSizeBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + Math.ceil(n.length / 2) + 1, 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + utf8(k) + 1 + attributeSizeBytes(v), 0);
  }
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + attributeSizeBytes(v), 0);
  return 0;
}

/** Approximate stored size of an item (names plus values), as DynamoDB counts it for capacity and storage. */
export function itemSizeBytes(item: Readonly<Record<string, AttributeValue>>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + attributeSizeBytes(value), 0);
}

// ---- the audit ----------------------------------------------------------------------------------------------

/** The attributes the audit reads from each table item (see README "Data model"). */
export interface AuditItem {
  readonly pk: string;
  readonly sk: string;
  readonly status?: string | undefined;
  readonly dueAt?: string | undefined;
  readonly reminderIds?: readonly string[] | undefined;
  readonly messageId?: string | undefined;
  /** A pending reminder waiting for the user's consent: no timer, off the pending index. */
  readonly held?: boolean | undefined;
  /** Carries a DynamoDB TTL (`expiresAt`): history, or an unconfirmed user's data. */
  readonly expires?: boolean | undefined;
  readonly sizeBytes: number;
}

/** One email SES accepted, as the twin recorded it; `confirmPath` is set on a double opt-in request. */
export interface SentEmail {
  readonly messageId: string;
  readonly to: readonly string[];
  /** `/links/confirm?t=…`: the link a person follows to say yes. */
  readonly confirmPath?: string | undefined;
}

const CONFIRM_LINK = /\/links\/confirm\?t=[^\s"'<>)]+/;

/** One line of the twin's email record (`emails.jsonl`, the shape of `GET /_local/emails`). */
export function parseEmailLine(line: string): SentEmail | undefined {
  if (!line.trim()) return undefined;
  const e = JSON.parse(line) as { messageId?: unknown; to?: unknown; text?: unknown; html?: unknown };
  if (typeof e.messageId !== 'string') return undefined;
  const body = `${typeof e.text === 'string' ? e.text : ''} ${typeof e.html === 'string' ? e.html : ''}`;
  const confirm = CONFIRM_LINK.exec(body)?.[0]?.replaceAll('&amp;', '&');
  return {
    messageId: e.messageId,
    to: Array.isArray(e.to) ? e.to.map(String) : [],
    ...(confirm ? { confirmPath: confirm } : {}),
  };
}

export interface ItemGroup {
  readonly count: number;
  readonly bytes: number;
  /** Bytes of the items that carry a TTL (they expire; the rest is kept). */
  readonly expiringBytes?: number | undefined;
}

export interface TableAudit {
  /** Items and bytes by sort-key prefix (`PROFILE`, `EVENT`, `APP`, `REMINDER`, `DIGEST`, ...). */
  readonly items: Readonly<Record<string, ItemGroup>>;
  readonly reminders: {
    readonly created: number;
    readonly byStatus: Readonly<Record<string, number>>;
    /** Pending and not yet due at the end (the drain was too short if > 0). */
    readonly pendingNotDue: number;
    /** Held for consent by users who never confirmed: by design never sent. */
    readonly heldForConsent: number;
  };
  readonly emails: {
    /** Reminder emails (digests). */
    readonly reminders: number;
    /** Double opt-in requests. */
    readonly confirmations: number;
  };
  readonly digests: { readonly total: number; readonly byStatus: Readonly<Record<string, number>> };
  readonly doubleSends: {
    /** Reminders listed in more than one digest that was sent or may have been (`sending`). */
    readonly remindersInSeveralDigests: readonly string[];
    /** Reminder emails SES accepted whose message id no sent digest records (nobody accounts for them). */
    readonly emailsWithoutDigest: number;
    readonly total: number;
  };
  readonly lost: {
    /** Pending and due more than the grace ago: its timer and the reconciler both missed it. */
    readonly pendingOverdue: number;
    /** Claimed (`sending`) and never marked sent: the email may or may not have left. */
    readonly claimedNotSent: number;
    /** Still held for consent although the user confirmed: the confirmation never released it. */
    readonly heldAfterConfirmation: number;
    readonly total: number;
  };
}

const prefixOf = (sk: string): string => {
  const hash = sk.indexOf('#');
  return hash < 0 ? sk : sk.slice(0, hash);
};

/** A user's items by their sort key's kind; other partitions (intake's sources, rate counters) by theirs. */
const groupOf = (item: AuditItem): string =>
  item.pk.startsWith('USER#') ? prefixOf(item.sk) : prefixOf(item.pk);

const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

/**
 * Double sends and lost reminders from the table and SES's record, at the end of a run.
 *
 * @param confirmedUserPks partition keys (`USER#<userId>`) of the users who confirmed consent
 * @param nowMs the virtual time at the end
 * @param overdueGraceMs how late a pending reminder may be before it counts as lost (the reconciler's
 *   period plus its own threshold is the longest a lost timer may take to be noticed)
 */
export function auditTable(
  items: readonly AuditItem[],
  emails: readonly SentEmail[],
  confirmedUserPks: ReadonlySet<string>,
  nowMs: number,
  overdueGraceMs: number,
): TableAudit {
  const groups: Record<string, { count: number; bytes: number; expiringBytes: number }> = {};
  const reminderStatus: Record<string, number> = {};
  const digestStatus: Record<string, number> = {};
  const digestsOfReminder = new Map<string, number>();
  const sentMessageIds = new Set<string>();
  let created = 0;
  let pendingNotDue = 0;
  let heldForConsent = 0;
  let heldAfterConfirmation = 0;
  let pendingOverdue = 0;
  /** Claimed, the email's fate unknown: under a digest still `sending` (or, from older senders, `sending`). */
  const claimedNotSent = new Set<string>();
  let digests = 0;

  for (const item of items) {
    const group = groupOf(item);
    const g = groups[group] ?? { count: 0, bytes: 0, expiringBytes: 0 };
    g.count += 1;
    g.bytes += item.sizeBytes;
    if (item.expires) g.expiringBytes += item.sizeBytes;
    groups[group] = g;

    if (group === 'REMINDER') {
      created += 1;
      const status = item.status ?? 'unknown';
      bump(reminderStatus, status);
      if (status === 'pending' && item.held) {
        if (confirmedUserPks.has(item.pk)) heldAfterConfirmation += 1;
        else heldForConsent += 1;
      } else if (status === 'pending') {
        const due = item.dueAt ? Date.parse(item.dueAt) : Number.NaN;
        if (Number.isFinite(due) && due > nowMs) pendingNotDue += 1;
        else if (!Number.isFinite(due) || due < nowMs - overdueGraceMs) pendingOverdue += 1;
      }
      if (status === 'sending') claimedNotSent.add(item.sk);
    } else if (group === 'DIGEST') {
      digests += 1;
      const status = item.status ?? 'unknown';
      bump(digestStatus, status);
      if (status === 'sent' || status === 'sending') {
        for (const id of item.reminderIds ?? [])
          digestsOfReminder.set(id, (digestsOfReminder.get(id) ?? 0) + 1);
      }
      if (status === 'sent' && item.messageId) sentMessageIds.add(item.messageId);
      // A claim marks its reminders `sent`: the digest alone tells that the email may not have gone.
      if (status === 'sending') for (const id of item.reminderIds ?? []) claimedNotSent.add(`REMINDER#${id}`);
    }
  }

  const remindersInSeveralDigests = [...digestsOfReminder]
    .filter(([, n]) => n > 1)
    .map(([id]) => id)
    .sort();
  const reminderEmails = emails.filter((e) => !e.confirmPath);
  const emailsWithoutDigest = reminderEmails.filter((e) => !sentMessageIds.has(e.messageId)).length;
  return {
    items: groups,
    reminders: { created, byStatus: reminderStatus, pendingNotDue, heldForConsent },
    emails: { reminders: reminderEmails.length, confirmations: emails.length - reminderEmails.length },
    digests: { total: digests, byStatus: digestStatus },
    doubleSends: {
      remindersInSeveralDigests,
      emailsWithoutDigest,
      total: remindersInSeveralDigests.length + emailsWithoutDigest,
    },
    lost: {
      pendingOverdue,
      claimedNotSent: claimedNotSent.size,
      heldAfterConfirmation,
      total: pendingOverdue + claimedNotSent.size + heldAfterConfirmation,
    },
  };
}

// ---- the report -----------------------------------------------------------------------------------------

export interface SimulationReport {
  readonly config: {
    readonly users: number;
    readonly weeks: number;
    readonly seed: number;
    readonly concurrency: number;
    readonly drainWeeks: number;
    readonly logLevel: string;
    /** Where DynamoDB Local kept the tables (`--dynamodb`). */
    readonly dynamodb: 'memory' | 'disk';
  };
  readonly workload: {
    readonly events: number;
    readonly byType: Readonly<Record<string, number>>;
    readonly rejectionsByReason: Readonly<Record<string, number>>;
    readonly usersWhoAcceptedAnOffer: number;
    readonly usersByZone: Readonly<Record<string, number>>;
    readonly clockSteps: number;
    readonly start: string;
    readonly horizon: string;
    readonly end: string;
  };
  readonly posted: {
    readonly total: number;
    readonly byStatus: Readonly<Record<string, number>>;
    readonly duplicates: number;
  };
  readonly audit: TableAudit;
  /** Every email SES accepted (reminders and confirmation requests). */
  readonly emails: number;
  /** Double opt-in: confirmation links followed by the simulated users who say yes. */
  readonly consent: { readonly confirmed: number; readonly declined: number; readonly failed: number };
  readonly deadLetters: { readonly stream: number; readonly scheduler: number };
  readonly schedulesLeft: number;
  readonly wallMs: {
    readonly total: number;
    readonly startup: number;
    readonly posting: number;
    readonly advancing: number;
    readonly drain: number;
    readonly audit: number;
  };
  /** Requests sent again after the connection was reset. */
  readonly retriedRequests: number;
  /** CPU of the twin's processes over the simulation (startup excluded), ms; undefined without /proc. */
  readonly twinCpuMs: { readonly node: number; readonly java: number } | undefined;
  readonly meter:
    | {
        readonly available: true;
        readonly calls: CallsPerReminder;
        /** Which functions' calls `calls` counts. */
        readonly callsScope: string;
        readonly invocations: Meter['invocations'];
        readonly dynamoUnits: {
          readonly readUnits: number;
          readonly writeUnits: number;
          readonly source: 'meter' | 'approximation';
        };
        readonly logBytes: number | undefined;
        /**
         * Calls per reminder without SES and without the reconciler's own Queries when it finds nothing (two a
         * run: the pending and the sending view), which are a fixed monthly cost, not a cost per reminder.
         * Set only when `calls` includes the reconciler's calls (the meter does not split them by function).
         */
        readonly withoutSesAndIdleReconciler?: number | undefined;
      }
    | { readonly available: false; readonly reason: string };
  readonly cost: CostBreakdown | undefined;
  readonly reconcilerMonthlyUsd: number | undefined;
  readonly profile: string | undefined;
  readonly ok: boolean;
  readonly failures: readonly string[];
}

const n0 = (n: number) => Math.round(n).toLocaleString('en-US');
const n2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const usd = (n: number | undefined) =>
  n === undefined ? 'not measured' : `$${n > 0 && n < 0.1 ? n.toPrecision(2) : n.toFixed(2)}`;
export const duration = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return s < 60
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
};

/** Left column padded, the rest right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`.trimEnd();
  return [
    line(headers),
    `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

const METER_MISSING = 'meter not available';

/** The report as printed: plain text, one section per question the issue asks. */
export function renderReport(r: SimulationReport): string {
  const a = r.audit;
  const sent = a.reminders.byStatus.sent ?? 0;
  const out: string[] = [];
  out.push(
    `Rebound simulation: ${r.config.users} users × ${r.config.weeks} weeks, seed ${r.config.seed} ` +
      `(virtual ${r.workload.start.slice(0, 10)} → ${r.workload.end.slice(0, 10)}, ` +
      `drain ${r.config.drainWeeks} weeks, LOG_LEVEL=${r.config.logLevel}, DynamoDB Local ${r.config.dynamodb === 'memory' ? 'in memory' : 'on disk'})`,
  );
  const types = Object.entries(r.workload.byType)
    .map(([t, c]) => `${t} ${c}`)
    .join(', ');
  out.push(`  workload: ${types}; ${r.workload.usersWhoAcceptedAnOffer} users accepted an offer`);
  out.push(
    `  rejection reasons: ${Object.entries(r.workload.rejectionsByReason)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  out.push(
    `  zones: ${Object.entries(r.workload.usersByZone)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );

  out.push('\nPipeline');
  const statuses = Object.entries(r.posted.byStatus)
    .map(([s, c]) => `${s}: ${c}`)
    .join(', ');
  out.push(
    table(
      ['', 'count'],
      [
        ['events posted', `${n0(r.posted.total)} (${statuses}; duplicate: ${r.posted.duplicates})`],
        ['reminders created', n0(a.reminders.created)],
        ['reminders cancelled', n0(a.reminders.byStatus.cancelled ?? 0)],
        ['reminders sent', n0(sent)],
        ['reminders pending, not yet due', n0(a.reminders.pendingNotDue)],
        ['reminders held for consent (never confirmed)', n0(a.reminders.heldForConsent)],
        [
          'emails sent (SES)',
          `${n0(r.emails)} (reminders ${n0(a.emails.reminders)}, confirmation requests ${n0(a.emails.confirmations)})`,
        ],
        [
          'users who confirmed / ignored the request',
          `${n0(r.consent.confirmed)} / ${n0(r.consent.declined)}${r.consent.failed > 0 ? ` (${r.consent.failed} confirmations failed)` : ''}`,
        ],
        [
          'digests',
          Object.entries(a.digests.byStatus)
            .map(([s, c]) => `${s} ${c}`)
            .join(', ') || '0',
        ],
        ['reminders per reminder email', n2(a.emails.reminders > 0 ? sent / a.emails.reminders : Number.NaN)],
        ['schedules left at the end', n0(r.schedulesLeft)],
      ],
    ),
  );

  out.push('\nCorrectness (each must be 0)');
  out.push(
    table(
      ['', 'count'],
      [
        ['double sends', a.doubleSends.total],
        ['  reminders in more than one digest', a.doubleSends.remindersInSeveralDigests.length],
        ['  emails no sent digest accounts for', a.doubleSends.emailsWithoutDigest],
        ['lost reminders', a.lost.total],
        ['  pending and overdue', a.lost.pendingOverdue],
        ['  claimed, never sent', a.lost.claimedNotSent],
        ['  held after the user confirmed', a.lost.heldAfterConfirmation],
        ['dead letters (stream + scheduler)', r.deadLetters.stream + r.deadLetters.scheduler],
      ],
    ),
  );

  out.push('\nWall time');
  const w = r.wallMs;
  out.push(
    table(
      ['phase', 'time'],
      [
        ['twin start', duration(w.startup)],
        ['posting events', duration(w.posting)],
        ['advancing the clock (timers, planner, sender)', duration(w.advancing)],
        ['drain after the last event', duration(w.drain)],
        ['audit', duration(w.audit)],
        ['total', duration(w.total)],
      ],
    ),
  );
  if (r.retriedRequests > 0) out.push(`  requests retried after a connection reset: ${r.retriedRequests}`);
  if (r.twinCpuMs) {
    out.push(
      `  twin CPU over the simulation: node ${duration(r.twinCpuMs.node)}, java (DynamoDB Local) ${duration(r.twinCpuMs.java)}`,
    );
  }

  out.push('\nAWS API calls per reminder sent (handlers’ SDK clients only)');
  if (!r.meter.available) {
    out.push(`  ${METER_MISSING} (${r.meter.reason})`);
  } else {
    const m = r.meter;
    out.push(`  counted: ${m.callsScope}`);
    out.push(
      table(
        ['service.operation', 'calls', 'per reminder'],
        [
          ...m.calls.rows.map((row) => [
            `${row.service}.${row.operation}`,
            n0(row.calls),
            n2(row.perReminder),
          ]),
          ['total', '', n2(m.calls.total)],
          ['total without SES', '', n2(m.calls.totalWithoutSes)],
          ...(m.withoutSesAndIdleReconciler === undefined
            ? []
            : [
                [
                  'without SES and the reconciler’s 2 Queries a run (fixed)',
                  '',
                  n2(m.withoutSesAndIdleReconciler),
                ],
              ]),
        ],
      ),
    );
    out.push(
      table(
        ['function', 'invocations', 'mean ms', 'per reminder'],
        Object.entries(m.invocations).map(([name, inv]) => [
          name,
          n0(inv.count),
          n2(inv.count > 0 ? inv.durationMs / inv.count : Number.NaN),
          n2(sent > 0 ? inv.count / sent : Number.NaN),
        ]),
      ),
    );
    const unitsPer = (u: number) => n2(sent > 0 ? u / sent : Number.NaN);
    out.push(
      `  DynamoDB units per reminder: ${unitsPer(m.dynamoUnits.writeUnits)} WRU, ${unitsPer(m.dynamoUnits.readUnits)} RRU` +
        (m.dynamoUnits.source === 'meter'
          ? ' (consumed capacity, metered)'
          : ' (LOWER BOUND: 1 unit per call, 2 per transaction; the meter reports no consumed capacity)'),
    );
    out.push(
      `  function log bytes: ${m.logBytes === undefined ? 'not metered' : `${n0(m.logBytes)} (${n0(sent > 0 ? m.logBytes / sent : 0)} per reminder)`}`,
    );
  }

  out.push('\nStorage at the end (approximate item sizes)');
  const groups = Object.entries(a.items).sort(([, x], [, y]) => y.bytes - x.bytes);
  const totalBytes = groups.reduce((sum, [, g]) => sum + g.bytes, 0);
  out.push(
    table(
      ['items', 'count', 'MB', 'mean bytes', 'MB with a TTL'],
      [
        ...groups.map(([name, g]) => [
          name,
          n0(g.count),
          (g.bytes / 1e6).toFixed(2),
          n0(g.bytes / g.count),
          ((g.expiringBytes ?? 0) / 1e6).toFixed(2),
        ]),
        [
          'total',
          n0(groups.reduce((s, [, g]) => s + g.count, 0)),
          (totalBytes / 1e6).toFixed(2),
          '',
          (groups.reduce((s, [, g]) => s + (g.expiringBytes ?? 0), 0) / 1e6).toFixed(2),
        ],
      ],
    ),
  );
  if (sent > 0)
    out.push(
      `  ${(((totalBytes / sent) * 1e6) / 1e9).toFixed(2)} GB per 1M reminders sent (base table, no index copies); the part with a TTL expires (history after 400 days, an unconfirmed user's data after 30-37), the rest is live`,
    );

  out.push('\nCost per 1M reminders sent (list prices, us-east-1; see bench/support/pricing.ts)');
  if (!r.cost) {
    out.push('  no reminder was sent: nothing to price');
  } else {
    out.push(
      table(
        ['service', 'units per 1M reminders', 'USD'],
        [
          ...r.cost.lines.map((l) => [l.service, l.quantity ?? METER_MISSING, usd(l.usd)]),
          [r.cost.complete ? 'total' : 'total (lower bound)', '', usd(r.cost.totalUsd)],
          [
            r.cost.complete ? 'total without SES' : 'total without SES (lower bound)',
            '',
            usd(r.cost.totalWithoutSesUsd),
          ],
        ],
      ),
    );
  }
  if (r.reconcilerMonthlyUsd !== undefined) {
    out.push(
      `  plus, fixed: the reconciler every 5 minutes ≈ ${usd(r.reconcilerMonthlyUsd)} a month of Lambda` +
        (r.meter.available && r.meter.dynamoUnits.source === 'meter'
          ? ' (its queries are in the DynamoDB line above)'
          : ' (its queries not included)'),
    );
  }
  if (r.profile) out.push(`\nWhere the twin's CPU went (node --cpu-prof)\n${r.profile}`);

  out.push(r.ok ? '\nOK' : `\nFAILED:\n${r.failures.map((f) => `  - ${f}`).join('\n')}`);
  return out.join('\n');
}
