/**
 * Stage configuration: one typed, validated object per deployment stage, built from CDK context.
 *
 * Context keys (all optional except `mailFrom` on prod):
 *  - `stage` ............ `dev` | `prod` (default `dev`)
 *  - `mailFrom` ......... the sender address (default `reminders@example.com` on dev only)
 *  - `sesDomain` ........ verify this domain as the SES identity instead of the single address; `mailFrom`
 *                         must then be an address at that domain
 *  - `alarmEmail` ....... subscribe this address to the alarm topic
 *  - `scheduleGroup` .... EventBridge Scheduler group for reminder timers (default `DEFAULT_SCHEDULE_GROUP`
 *                         of `shared/wiring.ts`, the group the local twin uses)
 *  - `domainName` ....... serve the HTTP API (and so every link in emails) on this custom domain; needs
 *  - `certificateArn` ... an ACM certificate for it in the stack's region (both or neither)
 *  - `adminDomainPrefix`  the admin sign-in's Cognito domain, `https://<prefix>.auth.<region>.amazoncognito.com`
 *                         (default `rebound-<stage>-` and a part of the stateful stack's id, unique without
 *                         putting the account id in a public URL)
 *
 * Invalid or missing values fail synth with the context key's name, the same way `shared/config.ts` fails a
 * function's cold start with the variable's name.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
// A namespace import lets esbuild drop what is unused (all locales but the default): ~85 KB instead of ~450 KB.
import * as z from 'zod';
import { DEFAULT_SCHEDULE_GROUP } from '../shared/wiring.ts';

export const STAGE_NAMES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

const email = z.email('must be an email address');
const domain = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a domain name');
/** Cognito's rules for a prefix domain: lowercase letters, digits and hyphens, and no AWS brand names. */
const cognitoDomainPrefix = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1-63 lowercase letters, digits or "-"')
  .refine((p) => !/aws|amazon|cognito/.test(p), 'must not contain "aws", "amazon" or "cognito"');
const acmCertificateArn = z
  .string()
  .regex(/^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, 'must be an ACM certificate ARN');

export const StageConfigSchema = z
  .strictObject({
    stage: z.enum(STAGE_NAMES),
    /** `From:` address of every reminder email. */
    mailFrom: email,
    /** When set, the SES identity is this domain (Easy DKIM); otherwise the `mailFrom` address itself. */
    sesDomain: domain.optional(),
    /** Receives alarm notifications; without it alarms still fire into the topic (and the console). */
    alarmEmail: email.optional(),
    scheduleGroupName: z
      .string()
      .regex(/^[0-9a-zA-Z-_.]{1,64}$/, 'must be 1-64 letters, digits, "-", "_" or "."'),
    logRetention: z.enum(RetentionDays),
    /** What happens to stateful data (table, log groups) when a stack is deleted. */
    removalPolicy: z.enum([RemovalPolicy.DESTROY, RemovalPolicy.RETAIN]),
    /** Powertools log level of every function. */
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
    /** Default-stage throttling of the HTTP API (requests per second / burst bucket). */
    apiThrottle: z.strictObject({ rateLimit: z.number().positive(), burstLimit: z.int().positive() }),
    /** A pending reminder this many minutes past due counts as having lost its timer. */
    reconcileAfterMinutes: z.int().min(1).max(1440),
    /**
     * A custom domain for the HTTP API: links in emails then point at `https://<domainName>` instead of the
     * `execute-api` URL, which changes whenever the API is replaced.
     */
    domainName: domain.optional(),
    /** The ACM certificate (in the stack's region) that covers `domainName`. */
    certificateArn: acmCertificateArn.optional(),
    /** The admin sign-in's Cognito prefix domain; unset: derived from the stateful stack's id. */
    adminDomainPrefix: cognitoDomainPrefix.optional(),
  })
  .refine(
    (c) => c.sesDomain === undefined || c.mailFrom.toLowerCase().endsWith(`@${c.sesDomain.toLowerCase()}`),
    {
      message: 'mailFrom must be an address at sesDomain',
      path: ['mailFrom'],
    },
  )
  .refine((c) => (c.domainName === undefined) === (c.certificateArn === undefined), {
    message: 'set domainName and certificateArn together (the API domain needs its certificate)',
    path: ['domainName'],
  });

export type StageConfig = z.infer<typeof StageConfigSchema>;

/** Per-stage defaults; context values override them. */
const DEFAULTS: Record<StageName, Omit<StageConfig, 'stage' | 'mailFrom'> & { mailFrom?: string }> = {
  dev: {
    mailFrom: 'reminders@example.com',
    scheduleGroupName: DEFAULT_SCHEDULE_GROUP,
    logRetention: RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
    logLevel: 'DEBUG',
    apiThrottle: { rateLimit: 10, burstLimit: 20 },
    reconcileAfterMinutes: 5,
  },
  prod: {
    // No default sender on prod: a reminder from example.com would never be delivered.
    scheduleGroupName: DEFAULT_SCHEDULE_GROUP,
    logRetention: RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
    logLevel: 'INFO',
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    reconcileAfterMinutes: 5,
  },
};

/** Reads one context value; `-c key=value` always arrives as a string, cdk.json may hold other types. */
export type ContextReader = (key: string) => unknown;

const optionalString = (value: unknown): string | undefined =>
  value === undefined || value === null || value === '' ? undefined : String(value);

/**
 * Resolve the stage config from context. Throws an `Error` naming every bad context key.
 *
 * @param read usually `(key) => app.node.tryGetContext(key)`
 */
export function resolveStageConfig(read: ContextReader): StageConfig {
  const stage = optionalString(read('stage')) ?? 'dev';
  const parsedStage = z.enum(STAGE_NAMES).safeParse(stage);
  if (!parsedStage.success) {
    throw new Error(`Invalid context "stage": "${stage}" (expected one of ${STAGE_NAMES.join(', ')})`);
  }
  const defaults = DEFAULTS[parsedStage.data];
  const candidate = {
    ...defaults,
    stage: parsedStage.data,
    mailFrom: optionalString(read('mailFrom')) ?? defaults.mailFrom,
    sesDomain: optionalString(read('sesDomain')),
    alarmEmail: optionalString(read('alarmEmail')),
    scheduleGroupName: optionalString(read('scheduleGroup')) ?? defaults.scheduleGroupName,
    domainName: optionalString(read('domainName')),
    certificateArn: optionalString(read('certificateArn')),
    adminDomainPrefix: optionalString(read('adminDomainPrefix')),
  };
  const result = StageConfigSchema.safeParse(candidate);
  if (!result.success) {
    const contextKey: Record<string, string> = { scheduleGroupName: 'scheduleGroup' };
    const details = result.error.issues
      .map((i) => {
        const field = String(i.path[0] ?? '');
        return `context "${contextKey[field] ?? field}": ${i.message}`;
      })
      .join('; ');
    throw new Error(`Invalid stage config for "${parsedStage.data}": ${details}`);
  }
  return result.data;
}

/** `Rebound-<stage>-<part>`: the stack names the docs and the deploy commands use. */
export function stackName(stage: StageName, part: 'Stateful' | 'Stateless'): string {
  return `Rebound-${stage}-${part}`;
}
