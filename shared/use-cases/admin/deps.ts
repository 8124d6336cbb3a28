import type {
  AdminReadStore,
  AuditLog,
  Clock,
  DeadLetterView,
  ReminderStore,
  TimerInspector,
  TimerService,
} from '../../ports.ts';

/** What the admin use cases run with: the table (as the pipeline and as the admin's reads), timers, the audit trail. */
export interface AdminDeps {
  readonly store: ReminderStore;
  readonly admin: AdminReadStore;
  readonly audit: AuditLog;
  readonly inspector: TimerInspector;
  readonly timers: TimerService;
  readonly deadLetters: DeadLetterView;
  readonly clock: Clock;
  /** How an action waits between looks at whether the planner applied its event. @default setTimeout */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** How long an action waits for the planner before answering `pending`. @default 8000 */
  readonly applyWaitMs?: number | undefined;
}
