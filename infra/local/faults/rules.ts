/**
 * Fault rules of the local twin: which AWS operation fails, throttles or slows down, for how many calls and at
 * what rate. The proxies (`proxy.ts`) ask the registry before forwarding each call; the `POST /_local/faults`
 * control fills it through `applyFaultsControl`, and `DELETE /_local/faults` empties it (`clearFaultsControl`).
 *
 * Effects, as the real SDK sees them (wire formats in `wire.ts`):
 * - `fail`: the service's 500 error. The SDK retries it as transient, then throws the modelled class.
 * - `throttle`: the service's throttling error. The SDK retries it with the longer throttling backoff.
 * - `slow`: the call is held `delayMs` before it is forwarded, and is forwarded even if the client gave up.
 *   A delay longer than the client's request timeout therefore gives "timed out, but it happened".
 * `fail` and `throttle` answer without forwarding: the emulator never sees the call, so a failed write did not
 * happen.
 */
import * as z from 'zod';

/** The operations the product's handlers call, named `Service.Operation` as the proxies meter them. */
export const FAULTABLE_OPERATIONS = [
  'DynamoDB.GetItem',
  'DynamoDB.PutItem',
  'DynamoDB.Query',
  'DynamoDB.TransactWriteItems',
  'DynamoDB.UpdateItem',
  'Scheduler.CreateSchedule',
  'Scheduler.UpdateSchedule',
  'Scheduler.DeleteSchedule',
  'SES.SendEmail',
] as const;

export const FaultRuleSchema = z
  .strictObject({
    operation: z.enum(FAULTABLE_OPERATIONS),
    effect: z.enum(['fail', 'throttle', 'slow']),
    /** Inject at most this many faults, then the rule is spent and removed. Absent: until cleared. */
    count: z.int().min(1).max(1_000_000).optional(),
    /** The fraction of matching calls that get the fault. Absent: every call. */
    rate: z.number().min(0).max(1).optional(),
    /** Seed of the rule's own random sequence, so a rate rule hits the same calls on every run. @default 1 */
    seed: z.int().min(0).max(0xffffffff).optional(),
    /** For `slow` only, and required there. */
    delayMs: z.int().min(1).max(60_000).optional(),
  })
  .superRefine((rule, ctx) => {
    if ((rule.effect === 'slow') !== (rule.delayMs !== undefined)) {
      const message = rule.effect === 'slow' ? 'required when effect is "slow"' : 'only allowed with "slow"';
      ctx.addIssue({ code: 'custom', path: ['delayMs'], message });
    }
  });

export type FaultRule = z.infer<typeof FaultRuleSchema>;
export type FaultEffect = FaultRule['effect'];

const FaultRuleListSchema = z.array(FaultRuleSchema).min(1).max(50);

/** What a proxy does with one call. */
export interface FaultDecision {
  readonly effect: FaultEffect;
  /** 0 unless the effect is `slow`. */
  readonly delayMs: number;
}

/** A rule as `list()` shows it: `injected` so far, `remaining` when it has a count. */
export type FaultRuleState = FaultRule & {
  readonly id: number;
  readonly injected: number;
  remaining?: number;
};

interface ActiveRule {
  readonly id: number;
  readonly rule: FaultRule;
  readonly random: () => number;
  injected: number;
}

export class FaultRegistry {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  public add(rules: readonly FaultRule[]): void {
    for (const rule of rules) {
      this.rules.push({ id: this.nextId++, rule, random: mulberry32(rule.seed ?? 1), injected: 0 });
    }
  }

  /** Removes every rule; returns how many there were. */
  public clear(): number {
    const cleared = this.rules.length;
    this.rules = [];
    return cleared;
  }

  public list(): FaultRuleState[] {
    return this.rules.map(({ id, rule, injected }) => ({
      id,
      ...rule,
      injected,
      ...(rule.count === undefined ? {} : { remaining: rule.count - injected }),
    }));
  }

  /**
   * Whether any rule names this operation: if none does, `decide` answers `undefined` for it (and draws
   * nothing), so the call may go straight to the emulator (`direct.ts`).
   */
  public covers(operation: string): boolean {
    return this.rules.some((active) => active.rule.operation === operation);
  }

  /**
   * The fault for this call, if any. Rules are tried in the order they were added; the first that fires wins.
   * A rate rule draws from its own seeded sequence once per call that reaches it, so the same sequence of
   * calls gets the same faults on every run. A count rule that fires for the last time is removed.
   */
  public decide(operation: string): FaultDecision | undefined {
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.operation !== operation) continue;
      if (rule.rate !== undefined && active.random() >= rule.rate) continue;
      active.injected += 1;
      if (rule.count !== undefined && active.injected >= rule.count) {
        this.rules = this.rules.filter((r) => r !== active);
      }
      return { effect: rule.effect, delayMs: rule.delayMs ?? 0 };
    }
    return undefined;
  }
}

export interface ControlResult {
  readonly status: number;
  readonly body: unknown;
}

/**
 * `POST /_local/faults`. `body` is the parsed JSON: one rule, or an array of rules added in order.
 * Answers 200 with the active rules, or 400 with a path per bad field (`0.delayMs` for the first rule).
 */
export function applyFaultsControl(registry: FaultRegistry, body: unknown): ControlResult {
  const parsed = Array.isArray(body)
    ? FaultRuleListSchema.safeParse(body)
    : FaultRuleSchema.transform((rule) => [rule]).safeParse(body);
  if (!parsed.success) {
    return {
      status: 400,
      body: {
        error: 'invalid_request',
        message: 'Send a rule such as {"operation":"SES.SendEmail","effect":"fail","count":3}, or an array',
        issues: parsed.error.issues.flatMap((issue) => {
          // A stray key is reported on its own path, so the caller sees which one.
          const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
          const path = (key: string | undefined) => [...issue.path, ...(key ? [key] : [])].join('.');
          return keys.map((key) => ({ path: path(key), message: issue.message }));
        }),
      },
    };
  }
  registry.add(parsed.data);
  return { status: 200, body: { rules: registry.list() } };
}

/** `DELETE /_local/faults`. */
export function clearFaultsControl(registry: FaultRegistry): ControlResult {
  return { status: 200, body: { cleared: registry.clear() } };
}

/** A small, fast 32-bit PRNG (mulberry32): uniform in [0, 1), and the same sequence for the same seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
