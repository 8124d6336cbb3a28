import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  HttpApi,
  HttpMethod,
  HttpStage,
  type IDomainName,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { onePeriodAlarm } from './alarms.ts';
import { type FunctionDefaults, ReboundFunction } from './rebound-function.ts';

export interface IntakeApiProps {
  /** Log settings of the stage; the access logs use the same retention and removal policy. */
  readonly functionDefaults: FunctionDefaults;
  /** The single table: intake reads sources, counts requests and appends events. */
  readonly table: ITable;
  /** The key that seals the sources' webhook secrets: intake may only `Decrypt` with it. */
  readonly sourcesKey: { readonly keyArn: string };
  /** Throttling of the default stage (requests per second and burst). */
  readonly throttle: ThrottleSettings;
  /** Notified when the API answers 5xx. */
  readonly alarmAction: IAlarmAction;
  /** @default - none */
  readonly description?: string;
  /**
   * Serve the default stage on this custom domain too (created in the stateful stack, so its DNS target
   * survives a redeploy of the API).
   * @default - the `execute-api` URL only
   */
  readonly domain?: IDomainName;
}

/**
 * The public HTTP API, created with the intake: `POST /events` in front of the ingest function and
 * `GET /openapi.json` in front of the function that serves its description, on a `$default` stage with
 * throttling and JSON access logs, an alarm on 5xx answers, and optionally a custom domain. Other constructs
 * add their routes to `api` (the link pages: `LinkPages`).
 */
export class IntakeApi extends Construct {
  public readonly ingest: ReboundFunction<'ingest'>;
  /** Serves the OpenAPI document bundled with it; no configuration, no permissions beyond its logs. */
  public readonly openapi: ReboundFunction<'openapi'>;
  public readonly api: HttpApi;
  /** Base URL of the API (`https://<id>.execute-api.<region>.<suffix>/`), ending in `/`. */
  public readonly url: string;

  public constructor(scope: Construct, id: string, props: IntakeApiProps) {
    super(scope, id);
    this.ingest = new ReboundFunction(this, 'Ingest', {
      ...props.functionDefaults,
      name: 'ingest',
      description:
        'POST /events: authenticates the source, applies its rate limit, validates and stores one event',
      timeout: Duration.seconds(10),
      config: { TABLE_NAME: props.table.tableName, KMS_KEY_ID: props.sourcesKey.keyArn },
    });
    this.ingest.bindTable(props.table, 'intake');
    this.ingest.allowOpenSourceSecrets(props.sourcesKey);
    this.openapi = new ReboundFunction(this, 'OpenApi', {
      ...props.functionDefaults,
      name: 'openapi',
      description: 'GET /openapi.json: the OpenAPI 3.1 document of the intake API',
      timeout: Duration.seconds(3),
      // The document is bundled; nothing to load, so the smallest size does.
      memorySize: 128,
      config: {},
    });

    this.api = new HttpApi(this, 'Api', {
      description: props.description,
      // The default stage is created below, with throttling and access logs.
      createDefaultStage: false,
    });
    const intakeRoutes = this.api.addRoutes({
      path: '/events',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('IngestIntegration', this.ingest),
    });
    // Per route, so a route added later without an authorization decision is still reported.
    for (const route of intakeRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Authenticated in the function: a Standard Webhooks signature over the raw body, or an API key, per source (docs/integrations.md). An HTTP API Lambda authorizer never sees the body, so it cannot verify a signature.',
      });
    }
    const documentRoutes = this.api.addRoutes({
      path: '/openapi.json',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('OpenApiIntegration', this.openapi),
    });
    for (const route of documentRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The public description of the API, the same for everyone (as docs are); it reads and reveals nothing else.',
      });
    }
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.functionDefaults.logRetention,
      removalPolicy: props.functionDefaults.logRemovalPolicy,
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    this.url = stage.url;
    if (props.domain)
      new ApiMapping(this, 'DomainMapping', { api: this.api, domainName: props.domain, stage });

    // The handlers map their errors to HTTP responses, so 5xx show up here rather than as Lambda errors.
    onePeriodAlarm(this, 'ServerErrorsAlarm', {
      description: `${Stack.of(this).stackName}: the HTTP API (intake or link pages) answered 5xx`,
      metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      action: props.alarmAction,
    });
  }
}
