/** `npm start`: run the local twin until Ctrl-C. The one place that reads the twin's environment. */
import * as z from 'zod';
import { startTwin, type Twin } from './twin.ts';

/** An on/off switch: `1`, `true`, `yes`, `on` (or their opposites); empty means unset. */
const flag = z.preprocess((v) => (v === '' ? undefined : v), z.stringbool().default(false));
const logLevel = z.preprocess(
  (v) => (typeof v === 'string' && v !== '' ? v.toUpperCase() : undefined),
  z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']).optional(),
);

/** Unset or empty: none. */
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const optionalCount = (max: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(max).optional());

const EnvSchema = z
  .object({
    /**
     * The API's port; the SES emulator, the Scheduler emulator and DynamoDB Local take the next three, the KMS
     * emulator the one after.
     */
    PORT: z.coerce.number().int().min(1).max(65_531).default(3000),
    REBOUND_DATA_DIR: z.string().min(1).default('.rebound'),
    /** Leave the one-line-per-request log out of the console (the bench sets it). */
    REBOUND_QUIET: flag,
    /** Print the emulators' own diagnostics. */
    REBOUND_TWIN_DEBUG: flag,
    /**
     * Keep DynamoDB Local's tables in memory: faster, but gone when the twin stops (the rest of the data
     * directory stays). For throwaway runs such as `npm run simulate`.
     */
    REBOUND_DYNAMODB_IN_MEMORY: flag,
    /**
     * Meter the DynamoDB units the handlers' calls consume (`GET /_local/meter`): DynamoDB Local then works out
     * each call's capacity, which costs it CPU. For `npm run simulate`.
     */
    REBOUND_METER_CAPACITY: flag,
    /** The functions' log level; `LOG_LEVEL` is the documented short form. Default WARN. */
    POWERTOOLS_LOG_LEVEL: logLevel,
    LOG_LEVEL: logLevel,
    /** The `local` source's API key (`rbk_local_<32 characters>`); unset: generated once into the data directory. */
    REBOUND_LOCAL_API_KEY: optionalString,
    /** The `local` source's webhook secret (`whsec_<base64>`); unset: generated once into the data directory. */
    REBOUND_LOCAL_WEBHOOK_SECRET: optionalString,
    /** The `local` source's rate limit (requests/s, burst); unset: the product's default, 50/s in bursts of 100. */
    REBOUND_LOCAL_RATE_PER_SECOND: optionalCount(10_000),
    REBOUND_LOCAL_RATE_BURST: optionalCount(100_000),
  })
  .refine(
    (e) =>
      e.REBOUND_LOCAL_RATE_BURST === undefined ||
      e.REBOUND_LOCAL_RATE_BURST >= (e.REBOUND_LOCAL_RATE_PER_SECOND ?? 50),
    {
      path: ['REBOUND_LOCAL_RATE_BURST'],
      message: 'must be at least REBOUND_LOCAL_RATE_PER_SECOND (default 50)',
    },
  );

const env = EnvSchema.safeParse(process.env);
if (!env.success) {
  for (const issue of env.error.issues) console.error(`Invalid ${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const { PORT: port, REBOUND_DATA_DIR: dataDir } = env.data;

const startedAt = Date.now();
let twin: Twin;
try {
  twin = await startTwin({
    port,
    dataDir,
    quiet: env.data.REBOUND_QUIET,
    debug: env.data.REBOUND_TWIN_DEBUG,
    dynamoDbInMemory: env.data.REBOUND_DYNAMODB_IN_MEMORY,
    meterCapacity: env.data.REBOUND_METER_CAPACITY,
    logLevel: env.data.POWERTOOLS_LOG_LEVEL ?? env.data.LOG_LEVEL ?? 'WARN',
    localSource: {
      apiKey: env.data.REBOUND_LOCAL_API_KEY,
      webhookSecret: env.data.REBOUND_LOCAL_WEBHOOK_SECRET,
      rateLimit: rateLimitOf(env.data.REBOUND_LOCAL_RATE_PER_SECOND, env.data.REBOUND_LOCAL_RATE_BURST),
    },
  });
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `Port ${port} (or one of the next four) is in use. Start with another base port: PORT=4000 npm start`,
    );
  } else {
    console.error('The local twin could not start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
}
const { urls, localCredentials: local } = twin;
console.log(
  `Rebound local twin ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (data: ${dataDir})`,
);
console.log(`API:          ${urls.api}  (POST /events; clock: GET ${urls.api}/_local/clock)`);
// The twin's own source; these credentials open nothing but this twin.
console.log(`Local source: ${local.sourceId} (credentials of this local twin only)`);
console.log(
  `  API key:        ${local.apiKey}${local.origin.apiKey === 'env' ? '  (REBOUND_LOCAL_API_KEY)' : ''}`,
);
console.log(
  `  Webhook secret: ${local.webhookSecret}${local.origin.webhookSecret === 'env' ? '  (REBOUND_LOCAL_WEBHOOK_SECRET)' : ''}`,
);
console.log(
  `Post an event: curl -i ${urls.api}/events -H 'authorization: Bearer ${local.apiKey}' -H 'content-type: application/json' --data @events/fixtures/application.submitted.json`,
);
console.log(`Mail viewer:  ${urls.mailViewer}`);
console.log(`Dead letters: ${urls.deadLetters}`);
console.log(`Admin view:   ${urls.admin}  (sign in as operator@local or viewer@local)`);
console.log(
  `Move time:    curl -X POST ${urls.api}/_local/clock/advance -H 'content-type: application/json' -d '{"by":"P7D"}'`,
);
console.log(`Sent emails:  ${urls.api}/_local/emails   (Ctrl-C stops everything)`);

/** Both or neither: a burst alone defaults to the product's 2-second window. */
function rateLimitOf(perSecond: number | undefined, burst: number | undefined) {
  if (perSecond === undefined && burst === undefined) return undefined;
  const rate = perSecond ?? 50;
  return { perSecond: rate, burst: burst ?? rate * 2 };
}

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the twin...`);
  twin.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
