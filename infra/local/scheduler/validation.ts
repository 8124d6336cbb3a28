/**
 * Request contracts of the Scheduler API as zod schemas, with the constraints of the AWS API model
 * (botocore `scheduler/2021-06-30/service-2.json`), plus the service rules the model cannot express.
 * Failures become one `ValidationException` whose message follows AWS's wording:
 * `2 validation errors detected: Value 'x y' at 'name' failed to satisfy constraint: Member must ...`.
 */
import { type ZodType, z } from 'zod';
import { SchedulerValidationError } from './errors.ts';
import { isValidTimezone, parseScheduleExpression } from './expression.ts';

const NOT_NULL = 'Member must not be null';

const typed =
  (what: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? NOT_NULL : `Member must be ${what}`;

function text(min: number, max?: number, pattern?: { re: RegExp; label: string }) {
  let schema = z.string({ error: typed('a string') });
  if (min > 0) schema = schema.min(min, { error: `Member must have length greater than or equal to ${min}` });
  if (max !== undefined)
    schema = schema.max(max, { error: `Member must have length less than or equal to ${max}` });
  if (pattern) {
    schema = schema.regex(pattern.re, {
      error: `Member must satisfy regular expression pattern: ${pattern.label}`,
    });
  }
  return schema;
}

function integer(min: number, max: number) {
  return z
    .number({ error: typed('a number') })
    .int({ error: 'Member must be an integer' })
    .min(min, { error: `Member must have value greater than or equal to ${min}` })
    .max(max, { error: `Member must have value less than or equal to ${max}` });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) =>
      issue.input === undefined ? NOT_NULL : `Member must satisfy enum value set: [${values.join(', ')}]`,
  });
}

/** Epoch seconds as a JSON number (fractions allowed), as the SDK sends timestamps. */
const epochSeconds = z.number({ error: typed('a timestamp in epoch seconds') }).finite();

const NAME_PATTERN = { re: /^[0-9a-zA-Z\-_.]+$/, label: '[0-9a-zA-Z-_.]+' };

/** Schedule and schedule group names: `[0-9a-zA-Z-_.]+`, 1 to 64 characters. */
export const NameSchema = text(1, 64, NAME_PATTERN);

/** The `{Name}` label of a path, as an object so errors name the member (`at 'name'`). */
export const PathNameSchema = z.object({ Name: NameSchema });

const RoleArnSchema = text(1, 1600, {
  re: /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/,
  label: 'arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/[\\w+=,.@\\/-]+',
});
const DeadLetterArnSchema = text(1, 1600, {
  re: /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/,
  label: 'arn:aws(-[a-z]+)?:sqs:[a-z0-9\\-]+:\\d{12}:[a-zA-Z0-9\\-_]+',
});
const KmsKeyArnSchema = text(1, 2048, {
  re: /^arn:aws(-[a-z]+)?:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[0-9a-zA-Z\-_]*$/,
  label: 'arn:aws(-[a-z]+)?:kms:[a-z0-9\\-]+:\\d{12}:(key|alias)\\/[0-9a-zA-Z-_]*',
});
const ClientTokenSchema = text(1, 64, { re: /^[a-zA-Z0-9\-_]+$/, label: '[a-zA-Z0-9-_]+' });

/** The largest `Target.Input` the emulator accepts, in characters. */
export const MAX_INPUT_LENGTH = 8192;

export const SCHEDULE_STATES = ['ENABLED', 'DISABLED'] as const;
export const ACTIONS_AFTER_COMPLETION = ['NONE', 'DELETE'] as const;
export const FLEXIBLE_TIME_WINDOW_MODES = ['OFF', 'FLEXIBLE'] as const;

/**
 * The schedule's target. Loose on purpose: templated-target parameters (`SqsParameters`, `EcsParameters`,
 * `EventBridgeParameters`, ...) are kept and returned by GetSchedule although the emulator does not use them.
 */
export const TargetSchema = z.looseObject(
  {
    Arn: text(1, 1600),
    RoleArn: RoleArnSchema,
    Input: text(1, MAX_INPUT_LENGTH).optional(),
    DeadLetterConfig: z
      .object({ Arn: DeadLetterArnSchema.optional() }, { error: typed('a structure') })
      .optional(),
    RetryPolicy: z
      .object(
        {
          MaximumEventAgeInSeconds: integer(60, 86_400).optional(),
          MaximumRetryAttempts: integer(0, 185).optional(),
        },
        { error: typed('a structure') },
      )
      .optional(),
  },
  { error: typed('a structure') },
);
export type TargetInput = z.infer<typeof TargetSchema>;

/** The body of CreateSchedule and UpdateSchedule (the name travels in the path). */
export const ScheduleBodySchema = z.object(
  {
    ScheduleExpression: text(1, 256),
    ScheduleExpressionTimezone: text(1, 50).optional(),
    Target: TargetSchema,
    FlexibleTimeWindow: z.object(
      {
        Mode: oneOf(FLEXIBLE_TIME_WINDOW_MODES),
        MaximumWindowInMinutes: integer(1, 1440).optional(),
      },
      { error: typed('a structure') },
    ),
    GroupName: NameSchema.optional(),
    StartDate: epochSeconds.optional(),
    EndDate: epochSeconds.optional(),
    Description: text(0, 512).optional(),
    State: oneOf(SCHEDULE_STATES).optional(),
    KmsKeyArn: KmsKeyArnSchema.optional(),
    ActionAfterCompletion: oneOf(ACTIONS_AFTER_COMPLETION).optional(),
    ClientToken: ClientTokenSchema.optional(),
  },
  { error: typed('a structure') },
);
export type ScheduleBody = z.infer<typeof ScheduleBodySchema>;

const TagSchema = z.object({ Key: text(1, 128), Value: text(1, 256) }, { error: typed('a structure') });
const TagListSchema = z
  .array(TagSchema, { error: typed('a list') })
  .max(200, { error: 'Member must have length less than or equal to 200' });
export type Tag = z.infer<typeof TagSchema>;

export const CreateScheduleGroupBodySchema = z.object({
  ClientToken: ClientTokenSchema.optional(),
  Tags: TagListSchema.optional(),
});

export const TagResourceBodySchema = z.object({ Tags: TagListSchema });

export const TagKeysSchema = z
  .array(text(1, 128))
  .max(200, { error: 'Member must have length less than or equal to 200' });

/** Query of ListSchedules; `MaxResults` arrives as text and is coerced. */
export const ListSchedulesQuerySchema = z.object({
  ScheduleGroup: NameSchema.optional(),
  NamePrefix: text(1, 64, NAME_PATTERN).optional(),
  State: oneOf(SCHEDULE_STATES).optional(),
  NextToken: text(1, 2048).optional(),
  MaxResults: z.coerce
    .number({ error: typed('a number') })
    .pipe(integer(1, 100))
    .optional(),
});

export const ListScheduleGroupsQuerySchema = z.object({
  NamePrefix: text(1, 64, NAME_PATTERN).optional(),
  NextToken: text(1, 2048).optional(),
  MaxResults: z.coerce
    .number({ error: typed('a number') })
    .pipe(integer(1, 100))
    .optional(),
});

export const ClientTokenQuerySchema = z.object({ clientToken: ClientTokenSchema.optional() });
export const GroupNameQuerySchema = z.object({ groupName: NameSchema.optional() });

/** `Target` → `target`, `RetryPolicy` → `retryPolicy`: the member paths AWS prints. */
function memberPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment) =>
      typeof segment === 'string' ? segment.charAt(0).toLowerCase() + segment.slice(1) : String(segment),
    )
    .join('.');
}

function shownValue(input: unknown): string {
  if (input === undefined || input === null) return 'null';
  const raw = typeof input === 'string' ? input : JSON.stringify(input);
  return `'${raw.length > 200 ? `${raw.slice(0, 200)}...` : raw}'`;
}

function validationError(messages: readonly string[]): SchedulerValidationError {
  const count = messages.length;
  return new SchedulerValidationError(
    `${count} validation error${count === 1 ? '' : 's'} detected: ${messages.join('; ')}`,
  );
}

/** Parse `value` or throw a `SchedulerValidationError` listing every violated constraint. */
export function parseOrThrow<T>(schema: ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw validationError(
    result.error.issues.map(
      (issue) =>
        `Value ${shownValue(issue.input)} at '${memberPath(issue.path)}' failed to satisfy constraint: ${issue.message}`,
    ),
  );
}

/**
 * Service rules of CreateSchedule / UpdateSchedule beyond the model's constraints. `nowMs` comes from the
 * emulator's clock. `isCreate` enables the StartDate rule, which AWS enforces when a schedule is created.
 */
export function assertScheduleRules(body: ScheduleBody, nowMs: number, isCreate: boolean): void {
  const problems: string[] = [];
  const expression = parseScheduleExpression(body.ScheduleExpression);
  if (!expression) problems.push(`Invalid Schedule Expression ${body.ScheduleExpression}.`);
  const zone = body.ScheduleExpressionTimezone;
  if (zone !== undefined && !isValidTimezone(zone))
    problems.push(`Invalid ScheduleExpressionTimezone ${zone}.`);
  const window = body.FlexibleTimeWindow;
  if (window.Mode === 'FLEXIBLE' && window.MaximumWindowInMinutes === undefined) {
    problems.push('MaximumWindowInMinutes is required when FlexibleTimeWindow Mode is FLEXIBLE.');
  }
  if (window.Mode === 'OFF' && window.MaximumWindowInMinutes !== undefined) {
    problems.push('MaximumWindowInMinutes must not be set when FlexibleTimeWindow Mode is OFF.');
  }
  const recurring = expression !== undefined && expression.kind !== 'at';
  if (
    recurring &&
    body.StartDate !== undefined &&
    body.EndDate !== undefined &&
    body.EndDate <= body.StartDate
  ) {
    problems.push('The EndDate you specify must be later than the StartDate.');
  }
  if (recurring && isCreate && body.StartDate !== undefined && body.StartDate * 1000 < nowMs - 5 * 60_000) {
    problems.push('The StartDate you specify cannot be earlier than 5 minutes ago.');
  }
  if (problems.length > 0) throw new SchedulerValidationError(problems.join(' '));
}
