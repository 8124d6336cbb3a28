/**
 * Request contracts of the emulated operations, with the constraints of the AWS API model (botocore
 * `scheduler/2021-06-30/service-2.json`) and the service rules the model cannot express. Failures become
 * one `ValidationException` in AWS's wording:
 * `2 validation errors detected: Value 'x y' at 'name' failed to satisfy constraint: Member must ...`.
 *
 * Bodies are strict: a modelled member the twin does not emulate (`StartDate`, `EndDate`, `KmsKeyArn`,
 * `Tags`) is refused by name rather than silently ignored, and so is a `cron()` expression.
 */
import * as z from 'zod';
import { SchedulerValidationError } from './errors.ts';
import { isValidTimezone, parseScheduleExpression } from './expression.ts';

const UNSUPPORTED = 'not supported by the local twin (see docs/local-twin.md)';

const text = (min: number, max: number) => z.string().min(min).max(max);
const integer = (min: number, max: number) => z.number().int().min(min).max(max);
const NameSchema = text(1, 64).regex(/^[0-9a-zA-Z\-_.]+$/);
const ClientTokenSchema = text(1, 64).regex(/^[a-zA-Z0-9\-_]+$/);

/** The `{Name}` label of the path, as an object so errors name the member (`at 'name'`). */
export const PathNameSchema = z.object({ Name: NameSchema });
export const GroupNameQuerySchema = z.object({ groupName: NameSchema.optional() });
export const ClientTokenQuerySchema = z.object({ clientToken: ClientTokenSchema.optional() });
export const ScheduleGroupBodySchema = z.strictObject({ ClientToken: ClientTokenSchema.optional() });

/** Loose: templated-target parameters (`SqsParameters`, ...) are stored and returned, never used. */
const TargetSchema = z.looseObject({
  Arn: text(1, 1600),
  RoleArn: text(1, 1600).regex(/^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/),
  Input: text(1, 8192).optional(),
  DeadLetterConfig: z
    .object({ Arn: text(1, 1600).regex(/^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/) })
    .partial()
    .optional(),
  RetryPolicy: z
    .object({ MaximumEventAgeInSeconds: integer(60, 86_400), MaximumRetryAttempts: integer(0, 185) })
    .partial()
    .optional(),
});
export type Target = z.infer<typeof TargetSchema>;

/** The body of CreateSchedule and UpdateSchedule (the name travels in the path). */
export const ScheduleBodySchema = z.strictObject({
  ScheduleExpression: text(1, 256),
  ScheduleExpressionTimezone: text(1, 50).optional(),
  Target: TargetSchema,
  FlexibleTimeWindow: z.object({
    Mode: z.enum(['OFF', 'FLEXIBLE']),
    MaximumWindowInMinutes: integer(1, 1440).optional(),
  }),
  GroupName: NameSchema.optional(),
  Description: text(0, 512).optional(),
  State: z.enum(['ENABLED', 'DISABLED']).optional(),
  ActionAfterCompletion: z.enum(['NONE', 'DELETE']).optional(),
  ClientToken: ClientTokenSchema.optional(),
});
export type ScheduleBody = z.infer<typeof ScheduleBodySchema>;

/** Service rules of CreateSchedule and UpdateSchedule beyond the model's constraints. */
export function assertScheduleRules(body: ScheduleBody): void {
  const problems: string[] = [];
  const expression = body.ScheduleExpression;
  if (expression.startsWith('cron(')) problems.push(`cron() expressions are ${UNSUPPORTED}.`);
  else if (!parseScheduleExpression(expression)) problems.push(`Invalid Schedule Expression ${expression}.`);
  const zone = body.ScheduleExpressionTimezone;
  if (zone !== undefined && !isValidTimezone(zone))
    problems.push(`Invalid ScheduleExpressionTimezone ${zone}.`);
  const { Mode, MaximumWindowInMinutes } = body.FlexibleTimeWindow;
  if ((Mode === 'FLEXIBLE') !== (MaximumWindowInMinutes !== undefined))
    problems.push('MaximumWindowInMinutes must be set if and only if FlexibleTimeWindow Mode is FLEXIBLE.');
  if (problems.length > 0) throw new SchedulerValidationError(problems.join(' '));
}

/** Parse `value` or throw one `SchedulerValidationError` listing every violation. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value, { reportInput: true, error: constraint });
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `${issue.keys.join(', ')} ${UNSUPPORTED}`;
    // `Target.RoleArn` → `target.roleArn`: the member paths AWS prints.
    const path = issue.path.map((key) => String(key).replace(/^./, (c) => c.toLowerCase())).join('.');
    return `Value ${shown(issue.input)} at '${path}' failed to satisfy constraint: ${issue.message}`;
  });
  const count = messages.length;
  throw new SchedulerValidationError(
    `${count} validation error${count === 1 ? '' : 's'} detected: ${messages.join('; ')}`,
  );
}

/** AWS's wording of each constraint. */
function constraint(issue: z.core.$ZodRawIssue): string {
  if (issue.input === undefined) return 'Member must not be null';
  const measure = issue.origin === 'number' ? 'value' : 'length';
  switch (issue.code) {
    case 'too_small':
      return `Member must have ${measure} greater than or equal to ${issue.minimum}`;
    case 'too_big':
      return `Member must have ${measure} less than or equal to ${issue.maximum}`;
    case 'invalid_format':
      return `Member must satisfy regular expression pattern: ${issue.pattern}`;
    case 'invalid_value':
      return `Member must satisfy enum value set: [${issue.values.join(', ')}]`;
    default:
      return `Member must be ${issue.code === 'invalid_type' ? `a valid ${issue.expected}` : 'valid'}`;
  }
}

function shown(input: unknown): string {
  if (input === undefined || input === null) return 'null';
  const raw = typeof input === 'string' ? input : JSON.stringify(input);
  return `'${raw.length > 200 ? `${raw.slice(0, 200)}...` : raw}'`;
}
