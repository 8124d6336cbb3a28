/** `npm start`: run the local twin until Ctrl-C. The one place that reads the twin's environment. */
import * as z from 'zod';
import { startTwin, type Twin } from './twin.ts';

/** An on/off switch: `1`, `true`, `yes`, `on` (or their opposites); empty means unset. */
const flag = z.preprocess((v) => (v === '' ? undefined : v), z.stringbool().default(false));
const logLevel = z.preprocess(
  (v) => (typeof v === 'string' && v !== '' ? v.toUpperCase() : undefined),
  z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']).optional(),
);

const EnvSchema = z.object({
  /** The API's port; the SES emulator, the Scheduler emulator and DynamoDB Local take the next three. */
  PORT: z.coerce.number().int().min(1).max(65_532).default(3000),
  REBOUND_DATA_DIR: z.string().min(1).default('.rebound'),
  /** Leave the one-line-per-request log out of the console (the bench sets it). */
  REBOUND_QUIET: flag,
  /** Print the emulators' own diagnostics. */
  REBOUND_TWIN_DEBUG: flag,
  /** The functions' log level; `LOG_LEVEL` is the documented short form. Default WARN. */
  POWERTOOLS_LOG_LEVEL: logLevel,
  LOG_LEVEL: logLevel,
});

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
    logLevel: env.data.POWERTOOLS_LOG_LEVEL ?? env.data.LOG_LEVEL ?? 'WARN',
  });
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `Port ${port} (or one of the next three) is in use. Start with another base port: PORT=4000 npm start`,
    );
  } else {
    console.error('The local twin could not start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
}
const { urls } = twin;
console.log(
  `Rebound local twin ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (data: ${dataDir})`,
);
console.log(`API:          ${urls.api}  (POST /events; clock: GET ${urls.api}/_local/clock)`);
console.log(`Mail viewer:  ${urls.mailViewer}`);
console.log(`Dead letters: ${urls.deadLetters}`);
console.log(
  `Move time:    curl -X POST ${urls.api}/_local/clock/advance -H 'content-type: application/json' -d '{"by":"P7D"}'`,
);
console.log(`Sent emails:  ${urls.api}/_local/emails   (Ctrl-C stops everything)`);

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
