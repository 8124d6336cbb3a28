/**
 * The local twin: the AWS stack of Rebound on one machine, in one process tree. Wiring only.
 *
 *   HTTP gateway ─▶ ingest ─▶ DynamoDB Local ─▶ stream poller ─▶ planner ─▶ Scheduler emulator ─▶ sender ─▶ SES
 *
 * The functions are the real `functions/*.ts` handlers, invoked in-process with the same event shapes
 * AWS delivers, talking to the emulators through the real AWS SDK v3 clients. Their clients reach each
 * emulator through a proxy that counts the calls and injects the faults of `/_local/faults`; the twin's
 * own clients (table set-up, stream polling, the reconciler's schedule) go straight to the emulators, so
 * only the handlers' calls are metered. Time is virtual and moves forward on request (world.ts). How it
 * differs from AWS: docs/local-twin.md.
 */
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient, getSchedulerClient, getSesClient } from '../../shared/adapters/aws-clients.ts';
import { useClock } from '../../shared/adapters/clock.ts';
import { manageSourcesDependencies } from '../../shared/adapters/compose.ts';
import { SchedulerTimerService } from '../../shared/adapters/scheduler-timers.ts';
import { DynamoDbStreamReplay } from '../../shared/adapters/stream-replay.ts';
import { loadConfig } from '../../shared/config.ts';
import type { RateLimit } from '../../shared/domain/sources.ts';
import { PLANNER_STREAM_FILTER } from '../../shared/table-definition.ts';
import { RECONCILER_RATE_MINUTES } from '../../shared/wiring.ts';
import { adminEnvironment, LOCAL_ADMIN_CLIENT_ID, localAdminCallbackUrls } from './admin.ts';
import { authRoutes, startAuthIssuer } from './auth-issuer.ts';
import { localControls, type TwinUrls } from './controls.ts';
import { StreamDeadLetters, streamBatchInfo, twinRedrive } from './dead-letter-redrive.ts';
import { localClientConfig, startDynamoDbLocal } from './dynamodb/launcher.ts';
import { ensureAuditTable, ensureTable } from './dynamodb/table.ts';
import {
  AwsCallMeter,
  type AwsService,
  ConsumedCapacityMeter,
  FaultRegistry,
  InvocationMeter,
  mayWriteTable,
  meterConsumedCapacity,
  routeAroundProxy,
  startAwsProxy,
} from './faults/index.ts';
import { loadFunctions } from './functions.ts';
import { startKms } from './kms-emulator.ts';
import { ensureLinkKeys } from './link-keys.ts';
import { ensureLocalSource, type LocalCredentials } from './local-source.ts';
import { nextReconcilerWake, oldestPendingDueTimes } from './reconciler-wake.ts';
import { productRoutes } from './routes.ts';
import { SchedulerEmulator } from './scheduler-emulator.ts';
import { sesControls } from './ses-feedback.ts';
import { maskEmail, startSes } from './ses-recorder.ts';
import { compileFilter, StreamPoller, toLambdaRecord } from './stream/index.ts';
import { serve } from './support/http.ts';
import { portLayout } from './support/ports.ts';
import { createReconcilerSchedule, earliest } from './timers.ts';
import { VirtualClock } from './virtual-clock.ts';
import { functionEnvironment, LOCAL_NAMES, REGION, TWIN_WIRING } from './wiring.ts';
import { World } from './world.ts';

export interface TwinOptions {
  /**
   * Base port: the API; the SES emulator, the Scheduler emulator and DynamoDB Local take the next three, the
   * KMS emulator the one after (`support/ports.ts`).
   */
  readonly port: number;
  readonly dataDir: string;
  /** Leave the one-line-per-request log out of the console. @default false */
  readonly quiet?: boolean;
  /** Print the emulators' own diagnostics. @default false */
  readonly debug?: boolean;
  /**
   * Keep DynamoDB Local's tables in memory (`-inMemory`): less CPU per call, nothing survives a stop.
   * @default false
   */
  readonly dynamoDbInMemory?: boolean;
  /**
   * Meter the DynamoDB units the handlers' calls consume (`ReturnConsumedCapacity`, `GET /_local/meter`).
   * Off by default: DynamoDB Local spends CPU working each call's capacity out. @default false
   */
  readonly meterCapacity?: boolean;
  /** The functions' Powertools log level. @default 'WARN' */
  readonly logLevel?: string;
  /**
   * The `local` source (local-source.ts): credentials to use instead of the ones generated into the data
   * directory, and its rate limit. @default generated credentials, the product's default rate limit
   */
  readonly localSource?: {
    readonly apiKey?: string | undefined;
    readonly webhookSecret?: string | undefined;
    readonly rateLimit?: RateLimit | undefined;
  };
}

export interface Twin {
  readonly urls: TwinUrls;
  /** The `local` source's credentials, to print on start (never those of a deployed stage). */
  readonly localCredentials: LocalCredentials;
  stop(): Promise<void>;
}

export async function startTwin(options: TwinOptions): Promise<Twin> {
  const log = (line: string) => console.log(line);
  const debug = (source: string) =>
    options.debug
      ? (msg: string, data?: object) => log(`[${source}] ${msg} ${JSON.stringify(data ?? {})}`)
      : undefined;
  const dataDir = resolve(options.dataDir);
  const ports = portLayout(options.port);
  const clock = new VirtualClock(join(dataDir, 'clock.json'));
  await clock.load();
  useClock(clock);

  const started: { close(): Promise<void> }[] = [];
  try {
    const dynamo = await startDynamoDbLocal({
      dataDir: join(dataDir, 'dynamodb'),
      port: ports.dynamodb,
      inMemory: options.dynamoDbInMemory ?? false,
    });
    started.push({ close: () => dynamo.stop() });
    const ses = await startSes({
      port: ports.ses,
      logFile: join(dataDir, 'emails.jsonl'),
      suppressionFile: join(dataDir, 'ses-suppressions.jsonl'),
      clock,
      onEmail: (e) => log(`[mail] ${e.sentAt} to ${e.to.map(maskEmail).join(', ')}: ${e.subject}`),
    });
    started.push(ses);
    const kms = await startKms({
      port: ports.kms,
      keyFile: join(dataDir, 'kms-key.json'),
      region: REGION,
      account: LOCAL_NAMES.account,
      alias: LOCAL_NAMES.kmsKeyAlias,
    });
    started.push(kms);
    // The admin view's sign-in: an OpenID Connect issuer standing in for Cognito.
    const issuer = await startAuthIssuer({
      port: ports.auth,
      clientId: LOCAL_ADMIN_CLIENT_ID,
      callbackUrls: localAdminCallbackUrls(`http://127.0.0.1:${ports.api}`),
      keyFile: join(dataDir, 'auth-issuer-key.json'),
    });
    started.push({ close: () => issuer.stop() });
    const schedulerUrl = `http://127.0.0.1:${ports.scheduler}`;
    // The handlers' way to each emulator: metered, and faulted on request.
    const faults = new FaultRegistry();
    const meters = {
      awsCalls: new AwsCallMeter(),
      invocations: new InvocationMeter(),
      consumedCapacity: options.meterCapacity ? new ConsumedCapacityMeter() : undefined,
    };
    // The handlers' table writes acknowledged so far: the world skips draining a stream nothing was written to.
    let tableWrites = 0;
    const onSettled = (operation: string) => {
      if (mayWriteTable(operation)) tableWrites += 1;
    };
    const proxy = async (service: AwsService, upstream: string) => {
      const running = await startAwsProxy({ service, upstream, faults, meter: meters.awsCalls, onSettled });
      started.push(running);
      return running.endpoint;
    };
    Object.assign(
      process.env,
      functionEnvironment({
        dynamodb: await proxy('DynamoDB', dynamo.endpoint),
        ses: await proxy('SES', ses.endpoint),
        scheduler: await proxy('Scheduler', schedulerUrl),
        // Straight to the emulator: KMS is neither metered nor faulted (docs/local-twin.md).
        kms: kms.endpoint,
        logLevel: options.logLevel ?? 'WARN',
        publicBaseUrl: `http://127.0.0.1:${ports.api}`,
        linkKeysFile: await ensureLinkKeys(join(dataDir, 'link-keys.json')),
      }),
      adminEnvironment({ api: `http://127.0.0.1:${ports.api}`, issuer }),
    );
    // The twin's own client, straight to DynamoDB Local: not metered.
    const tableClient = new DynamoDBClient(localClientConfig(dynamo.endpoint));
    started.push({ close: async () => tableClient.destroy() });
    const { streamArn } = await ensureTable(tableClient, LOCAL_NAMES.table);
    await ensureAuditTable(tableClient, LOCAL_NAMES.auditTable);
    // The `local` source, sealed with the emulator's key, written by the twin itself as the CLI would.
    const kmsClient = new KMSClient({ ...localClientConfig(kms.endpoint), maxAttempts: 1 });
    started.push({ close: async () => kmsClient.destroy() });
    const { credentials: localCredentials } = await ensureLocalSource({
      file: join(dataDir, 'local-source.json'),
      apiKey: options.localSource?.apiKey,
      webhookSecret: options.localSource?.webhookSecret,
      rateLimit: options.localSource?.rateLimit,
      deps: manageSourcesDependencies(
        { TABLE_NAME: LOCAL_NAMES.table, KMS_KEY_ID: LOCAL_NAMES.kmsKeyAlias },
        {
          documentClient: DynamoDBDocumentClient.from(tableClient, {
            marshallOptions: { removeUndefinedValues: true },
          }),
          kms: kmsClient,
        },
      ),
    });
    const reconcilerTiming = {
      graceMs: loadConfig('reconciler').RECONCILE_AFTER_MINUTES * 60_000,
      periodMs: RECONCILER_RATE_MINUTES * 60_000,
    };
    // Imported only now: the functions read their environment at cold start. Every invocation is metered.
    const { ingest, planner, sender, reconciler, links, feedback, openapi, admin } = await loadFunctions(
      meters.invocations,
    );

    // The handlers' clients go straight to the emulators while no fault rule covers a call (faults/direct.ts).
    for (const [client, service, upstream] of [
      [getDocumentClient(), 'DynamoDB', dynamo.endpoint],
      [getSchedulerClient(), 'Scheduler', schedulerUrl],
      [getSesClient(), 'SES', ses.endpoint],
    ] as const) {
      routeAroundProxy(client, { service, upstream, faults, meter: meters.awsCalls, onSettled });
    }
    if (meters.consumedCapacity) meterConsumedCapacity(getDocumentClient(), meters.consumedCapacity);

    const targets = new Map<string, (input: unknown) => Promise<unknown>>([
      [LOCAL_NAMES.senderArn, sender],
      [LOCAL_NAMES.reconcilerArn, reconciler],
    ]);
    const scheduler = new SchedulerEmulator({
      dataFile: join(dataDir, 'scheduler.json'),
      clock,
      invoke: async (targetArn, input) => {
        const fn = targets.get(targetArn);
        if (!fn) throw new Error(`No local function for ${targetArn}`);
        await fn(input === undefined ? {} : JSON.parse(input));
      },
      log: debug('scheduler'),
    });
    await scheduler.load();
    await scheduler.listen(ports.scheduler, '127.0.0.1');
    started.push(scheduler);
    await createReconcilerSchedule(schedulerUrl, scheduler.list());

    const mapping = TWIN_WIRING.streamMapping;
    const streamDeadLetters = new StreamDeadLetters(
      join(dataDir, 'stream-failures.jsonl'),
      join(dataDir, 'stream-failures-redriven.jsonl'),
    );
    let streamProgress = 0; // records handled or dead-lettered: tells a slow stream from a stalled one
    const streamsClient = new DynamoDBStreamsClient(localClientConfig(dynamo.endpoint));
    started.push({ close: async () => streamsClient.destroy() });
    const poller = new StreamPoller({
      streamsClient,
      streamArn,
      checkpointFile: join(dataDir, 'stream-checkpoint.json'),
      handler: async (event) => {
        const result = await planner(event);
        streamProgress += event.Records.length - result.batchItemFailures.length;
        return result;
      },
      filter: PLANNER_STREAM_FILTER,
      batchSize: mapping.batchSize,
      maximumRetryAttempts: mapping.retryAttempts,
      bisectBatchOnFunctionError: mapping.bisectBatchOnFunctionError,
      reportBatchItemFailures: mapping.reportBatchItemFailures,
      maximumRecordAgeSeconds: mapping.maxRecordAgeSeconds,
      onFailure: async ({ records, ...failure }) => {
        streamProgress += records.length;
        const sequenceNumbers = records.map((r) => r.dynamodb?.SequenceNumber);
        await streamDeadLetters.append({
          at: clock.now().toISOString(),
          source: 'stream',
          ...failure,
          sequenceNumbers,
          // What Lambda's on-failure record holds: a redrive reads the records back with it.
          DDBStreamBatchInfo: await streamBatchInfo(streamsClient, streamArn, records),
        });
      },
      log: debug('stream'),
    });

    // The oldest pending due times, read again only after a table write or a second (a write the twin does
    // not count): an advance asks at every step.
    let pendingDueTimes: { writes: number; at: number; dueAt: Promise<string[]> } | undefined;
    const oldestPending = (): Promise<string[]> => {
      const fresh = pendingDueTimes && Date.now() - pendingDueTimes.at < 1000;
      if (!fresh || pendingDueTimes?.writes !== tableWrites) {
        const dueAt = oldestPendingDueTimes(tableClient, LOCAL_NAMES.table);
        pendingDueTimes = { writes: tableWrites, at: Date.now(), dueAt };
        dueAt.catch(() => {
          if (pendingDueTimes?.dueAt === dueAt) pendingDueTimes = undefined;
        });
      }
      return (pendingDueTimes as { dueAt: Promise<string[]> }).dueAt;
    };

    const world = new World({
      clock,
      fireDueTimers: () => scheduler.fireDue(),
      // The next one-time timer, or the reconciler's next run with work to do (reconciler-wake.ts).
      nextTimerAt: async () => {
        // Created without a group, as CDK does (timers.ts): in the default group.
        const reconcilerSchedule = scheduler.get(LOCAL_NAMES.reconcilerSchedule);
        const wake = nextReconcilerWake(await oldestPending(), {
          nextFireAt: reconcilerSchedule?.state === 'ENABLED' ? reconcilerSchedule.nextFireAt : undefined,
          lastFiredAt: reconcilerSchedule?.lastFiredAt,
          ...reconcilerTiming,
        });
        return earliest(scheduler.nextOneTimeFireAt(), wake);
      },
      drainStream: async (timeoutMs) => {
        let quietFrom = tableWrites;
        await poller.drain({
          timeoutMs,
          beforeRound: () => {
            quietFrom = tableWrites;
          },
        });
        return quietFrom;
      },
      streamProgress: () => streamProgress,
      tableWrites: () => tableWrites,
      log,
    });
    started.push({
      close: async () => {
        const idle = world.stop();
        await poller.stop();
        await idle;
        await clock.save();
      },
    });

    // Redrive (the admin view's, through `/_local/dead-letters/redrive`): timers straight to the emulator,
    // stream batches read back from DynamoDB Local and replayed to the planner, as on AWS.
    const schedulerClient = new SchedulerClient({ ...localClientConfig(schedulerUrl), maxAttempts: 1 });
    started.push({ close: async () => schedulerClient.destroy() });
    const redriveDeadLetters = twinRedrive({
      world,
      clock,
      timers: new SchedulerTimerService(schedulerClient, {
        groupName: TWIN_WIRING.scheduleGroup,
        targetArn: LOCAL_NAMES.senderArn,
        roleArn: LOCAL_NAMES.schedulerRoleArn,
        deadLetterArn: LOCAL_NAMES.schedulerDlqArn,
      }),
      streams: new DynamoDbStreamReplay(streamsClient, (event) => planner(event), {
        toRecord: toLambdaRecord,
        matches: compileFilter(PLANNER_STREAM_FILTER),
      }),
      scheduler,
      stream: streamDeadLetters,
    });

    let urls: TwinUrls | undefined;
    const gateway = await serve(
      ports.api,
      {
        ...productRoutes({
          ingest,
          openapi,
          links,
          admin,
          onIntake: (status) => {
            if (!options.quiet) log(`[api] POST /events → ${status}`);
          },
        }),
        ...localControls({
          clock,
          world,
          timers: scheduler,
          scheduleGroup: TWIN_WIRING.scheduleGroup,
          emails: () => ses.emails(),
          streamDeadLetters: () => streamDeadLetters.read(),
          redriveDeadLetters,
          urls: () => urls,
          kmsKeyId: LOCAL_NAMES.kmsKeyAlias,
          faults,
          meters,
          log,
        }),
        ...authRoutes(issuer),
        ...sesControls({
          clock,
          world,
          origin: {
            account: LOCAL_NAMES.account,
            region: REGION,
            configurationSet: LOCAL_NAMES.sesConfigurationSet,
            mailFrom: LOCAL_NAMES.mailFrom,
          },
          emails: () => ses.emails(),
          suppressions: () => ses.suppressions(),
          invoke: feedback,
          log,
        }),
      },
      log,
    );
    started.push(gateway);
    // Catch up on anything that came due while the twin was stopped, then keep the world going.
    await world.settle();
    world.start();
    const api = `http://127.0.0.1:${gateway.port}`;
    urls = {
      api,
      mailViewer: ses.endpoint,
      deadLetters: `${api}/_local/dead-letters`,
      scheduler: schedulerUrl,
      dynamodb: dynamo.endpoint,
      kms: kms.endpoint,
      admin: `${api}/admin`,
    };
    let stopped: Promise<void> | undefined;
    return { urls, localCredentials, stop: () => (stopped ??= closeAll(started)) };
  } catch (error) {
    await closeAll(started).catch(() => undefined);
    throw error;
  }
}

/** Close the parts, last started first; each one is closed even when an earlier one fails. */
async function closeAll(parts: readonly { close(): Promise<void> }[]): Promise<void> {
  const errors: unknown[] = [];
  for (const part of [...parts].reverse()) await part.close().catch((error: unknown) => errors.push(error));
  if (errors.length > 0) throw errors[0];
}
