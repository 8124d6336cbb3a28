/**
 * Configuration: parsed from `process.env` once, at cold start, failing fast with the variable's name.
 * The CDK stack builds each function's environment with `environmentFor()`, so code and infra share one
 * list of names and cannot drift.
 */
// A namespace import lets esbuild drop what is unused (all locales but the default): ~85 KB instead of ~450 KB.
import * as z from 'zod';
import { ConfigError } from './errors.ts';

const arn = z.string().regex(/^arn:[\w-]+:[\w-]+:[\w-]*:\d*:.+$/, 'must be an ARN');

const base = {
  TABLE_NAME: z.string().min(3),
};

export const CONFIG_SCHEMAS = {
  ingest: z.object({ ...base }),
  planner: z.object({
    ...base,
    SCHEDULE_GROUP: z.string().min(1).max(64),
    SENDER_FUNCTION_ARN: arn,
    SCHEDULER_ROLE_ARN: arn,
    SCHEDULER_DLQ_ARN: arn,
  }),
  sender: z.object({
    ...base,
    MAIL_FROM: z.string().min(3),
    SES_CONFIGURATION_SET: z.string().min(1).optional(),
  }),
  reconciler: z.object({
    ...base,
    MAIL_FROM: z.string().min(3),
    SES_CONFIGURATION_SET: z.string().min(1).optional(),
    /** A pending reminder this many minutes past due counts as having lost its timer. */
    RECONCILE_AFTER_MINUTES: z.coerce.number().int().min(1).max(1440).default(5),
  }),
} as const;

export type FunctionName = keyof typeof CONFIG_SCHEMAS;
export type ConfigOf<F extends FunctionName> = z.infer<(typeof CONFIG_SCHEMAS)[F]>;
/** What infra must provide: the input side of the schema (defaults may be left out). */
export type EnvironmentOf<F extends FunctionName> = {
  [K in keyof z.input<(typeof CONFIG_SCHEMAS)[F]>]: string | undefined;
};

/** Parse the environment for one function. Throws `ConfigError` naming every bad variable. */
export function loadConfig<F extends FunctionName>(
  fn: F,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConfigOf<F> {
  const result = CONFIG_SCHEMAS[fn].safeParse(env);
  if (!result.success) {
    const details = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration for ${fn}: ${details}`);
  }
  return result.data as ConfigOf<F>;
}

/** The environment block for a function, typed by the same schema the code parses. Drops unset values. */
export function environmentFor<F extends FunctionName>(
  _fn: F,
  values: EnvironmentOf<F>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) out[key] = value as string;
  return out;
}
