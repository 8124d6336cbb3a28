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

/**
 * Functions that put links in emails (sign) or open them (verify): where links point, and where the key
 * ring is. On AWS the ring is a Secrets Manager secret; in the twin, a file in the data directory.
 * Exactly one of the two must be set.
 */
const links = {
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
    .transform((u) => u.replace(/\/+$/, '')),
  LINK_KEYS_SECRET_ARN: arn.optional(),
  LINK_KEYS_FILE: z.string().min(1).optional(),
};
const oneKeySource = (c: {
  LINK_KEYS_SECRET_ARN?: string | undefined;
  LINK_KEYS_FILE?: string | undefined;
}) => (c.LINK_KEYS_SECRET_ARN === undefined) !== (c.LINK_KEYS_FILE === undefined);
const KEY_SOURCE_RULE = {
  message: 'set exactly one of LINK_KEYS_SECRET_ARN and LINK_KEYS_FILE',
  path: ['LINK_KEYS_SECRET_ARN'],
};

const mail = {
  MAIL_FROM: z.string().min(3),
  SES_CONFIGURATION_SET: z.string().min(1).optional(),
};

export const CONFIG_SCHEMAS = {
  /**
   * `POST /events`: the table (events, sources, rate counters) and the KMS key that seals the sources'
   * webhook secrets (key id, ARN or alias; intake may only `Decrypt` with it).
   */
  ingest: z.object({ ...base, KMS_KEY_ID: z.string().min(1).max(2048) }),
  planner: z
    .object({
      ...base,
      ...mail,
      ...links,
      SCHEDULE_GROUP: z.string().min(1).max(64),
      SENDER_FUNCTION_ARN: arn,
      SCHEDULER_ROLE_ARN: arn,
      SCHEDULER_DLQ_ARN: arn,
    })
    .refine(oneKeySource, KEY_SOURCE_RULE),
  sender: z.object({ ...base, ...mail, ...links }).refine(oneKeySource, KEY_SOURCE_RULE),
  reconciler: z
    .object({
      ...base,
      ...mail,
      ...links,
      /** A pending reminder this many minutes past due counts as having lost its timer. */
      RECONCILE_AFTER_MINUTES: z.coerce.number().int().min(1).max(1440).default(5),
    })
    .refine(oneKeySource, KEY_SOURCE_RULE),
  /** The pages behind the links in emails. */
  links: z.object({ ...base, ...links }).refine(oneKeySource, KEY_SOURCE_RULE),
  /** SES bounces and complaints, from EventBridge. */
  feedback: z.object({ ...base }),
  /**
   * The admin view (pages and `/admin/api/`). Sign-in: an OpenID Connect issuer (Cognito on AWS, the twin's
   * local issuer) whose ID tokens are verified with aws-jwt-verify against `ADMIN_ISSUER`, `ADMIN_JWKS_URL` and
   * the app client `ADMIN_CLIENT_ID` (the audience). Timers: the schedule group (GetSchedule, re-sync).
   * Dead letters: the SQS DLQs (`name=url` pairs, comma-separated) on AWS, or the twin's
   * `/_local/dead-letters` URL: exactly one of the two.
   */
  admin: z
    .object({
      ...base,
      AUDIT_TABLE_NAME: z.string().min(3),
      ADMIN_BASE_URL: z
        .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
        .transform((u) => u.replace(/\/+$/, '')),
      ADMIN_ISSUER: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
      ADMIN_JWKS_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
      ADMIN_CLIENT_ID: z.string().min(1).max(128),
      ADMIN_AUTHORIZE_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
      ADMIN_TOKEN_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
      ADMIN_LOGOUT_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
      SCHEDULE_GROUP: z.string().min(1).max(64),
      SENDER_FUNCTION_ARN: arn,
      SCHEDULER_ROLE_ARN: arn,
      SCHEDULER_DLQ_ARN: arn,
      DEAD_LETTER_QUEUES: z
        .string()
        .regex(
          /^[\w-]+=https:\/\/\S+(,[\w-]+=https:\/\/\S+)*$/,
          'must be name=https-url pairs, comma-separated',
        )
        .optional(),
      DEAD_LETTERS_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
      /** The planner, which a redrive of the `stream` queue invokes with the records read back (AWS only). */
      PLANNER_FUNCTION_ARN: arn.optional(),
    })
    .refine((c) => (c.DEAD_LETTER_QUEUES === undefined) !== (c.DEAD_LETTERS_URL === undefined), {
      message: 'set exactly one of DEAD_LETTER_QUEUES and DEAD_LETTERS_URL',
      path: ['DEAD_LETTER_QUEUES'],
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
