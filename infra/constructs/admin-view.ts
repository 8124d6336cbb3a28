/**
 * The admin view on AWS, in two parts:
 * - `AdminIdentity` (stateful stack): who may sign in. A Cognito user pool that only administrators fill
 *   (operators are invited; nobody signs up), the `viewer` and `operator` groups, and the managed login domain.
 *   Users, their MFA secrets and the domain must outlive a redeploy of the code, like the table.
 * - `AdminView` (stateless stack): the app client (its callback is on the API, which lives there), the admin
 *   function on `GET /admin` and `ANY /admin/{proxy+}`, and the function's least-privilege permissions.
 *
 * No API Gateway authorizer on the admin routes: the pages must answer a missing or expired session with a
 * redirect to the managed login, which an HTTP API JWT authorizer cannot do (it answers 401 before the
 * function runs, and a browser shows that as an error page). So the function verifies every request itself:
 * aws-jwt-verify checks the ID token's signature (the pool's JWKS), issuer, audience (the app client),
 * `token_use` and expiry, and the roles come from `cognito:groups` (`shared/adapters/admin-auth.ts`).
 */
import { Aws, Duration, Fn, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  type UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ADMIN_ROLES, type AdminRole, REDRIVABLE_DEAD_LETTER_QUEUES } from '../../events/admin-api.ts';
import type { EnvironmentOf } from '../../shared/config.ts';
import { type FunctionDefaults, ReboundFunction } from './rebound-function.ts';

/** The admin view's paths on the API: the pages and `/admin/api/` all sit under `/admin`. */
export const ADMIN_PATHS = {
  home: '/admin',
  callback: '/admin/auth/callback',
  signedOut: '/admin/signed-out',
} as const;

/** What each group may do, for the groups' descriptions (the server checks the roles on every request). */
const GROUP_DESCRIPTIONS: Record<AdminRole, string> = {
  viewer: 'Reads the admin view: reminders, users, emails, health and the audit trail',
  operator:
    'Reads the admin view and acts: cancel, reschedule or send a reminder now, pause or resume a user',
};

export interface AdminIdentityProps {
  readonly stage: string;
  /** Prod: MFA required (TOTP), Plus feature plan with threat protection enforced, deletion protection. */
  readonly prod: boolean;
  /** What happens to the user pool (and so every operator account) when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * The Cognito prefix domain of the managed login.
   * @default `rebound-<stage>-<first part of the stack's UUID>`: unique, stable for the stack's life, and
   * without the account id in a public URL
   */
  readonly domainPrefix?: string;
  /** Where invited operators sign in, for the invitation email, when known at synth time (a custom domain). */
  readonly adminUrl?: string;
}

/**
 * Who may use the admin view: a Cognito user pool with no self sign-up (administrators invite operators with
 * `aws cognito-idp admin-create-user`, see docs/deploy.md), sign-in by email, a strong password policy, TOTP
 * MFA (required on prod), threat protection enforced on prod, recovery by email only, the two role groups,
 * and the managed login (version 2) on a Cognito prefix domain.
 */
export class AdminIdentity extends Construct {
  public readonly userPool: UserPool;
  public readonly domain: UserPoolDomain;
  public readonly groups: Readonly<Record<AdminRole, UserPoolGroup>>;

  public constructor(scope: Construct, id: string, props: AdminIdentityProps) {
    super(scope, id);
    const where = props.adminUrl ? ` at ${props.adminUrl}` : '';
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `rebound-${props.stage}-admin`,
      // Operators are invited; an open sign-up would let anyone into a pool whose members see users' data.
      selfSignUpEnabled: false,
      userInvitation: {
        emailSubject: `Your Rebound ${props.stage} admin account`,
        emailBody: `You have been invited to the Rebound ${props.stage} admin view${where}. Sign in with {username} and the temporary password {####} within 3 days; you will then choose your own password${props.prod ? ' and set up an authenticator app' : ''}.`,
      },
      signInAliases: { email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      // An address change takes effect only once the new address is verified.
      keepOriginal: { email: true },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      mfa: props.prod ? Mfa.REQUIRED : Mfa.OPTIONAL,
      // An authenticator app only: SMS would need an SNS role and a spending limit, and a phone number is a
      // weaker second factor.
      mfaSecondFactor: { sms: false, otp: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus: threat protection (compromised credentials, risky sign-ins) enforced. Essentials elsewhere: the
      // managed login needs at least that, and a dev pool holds developers, not operators.
      featurePlan: props.prod ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      standardThreatProtectionMode: props.prod ? StandardThreatProtectionMode.FULL_FUNCTION : undefined,
      deletionProtection: props.prod,
      removalPolicy: props.removalPolicy,
    });
    if (!props.prod) {
      Validations.of(this.userPool).acknowledge(
        {
          id: 'AwsSolutions-COG2',
          reason:
            'Dev stages: TOTP MFA is optional for developer accounts; prod requires it (Mfa.REQUIRED, asserted in test/unit/infra/admin-view.test.ts).',
        },
        {
          id: 'AwsSolutions-COG8',
          reason:
            'Dev stages run on the Essentials plan (no threat protection to pay for on developer accounts); prod runs on Plus with threat protection enforced.',
        },
      );
    }

    this.groups = Object.fromEntries(
      ADMIN_ROLES.map((role, index) => [
        role,
        this.userPool.addGroup(`${role[0]?.toUpperCase()}${role.slice(1)}Group`, {
          groupName: role,
          description: GROUP_DESCRIPTIONS[role],
          // Operator first: a lower precedence wins where a role claim must be one value.
          precedence: ADMIN_ROLES.length - index,
        }),
      ]),
    ) as Record<AdminRole, UserPoolGroup>;

    const stackUuidPart = Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? `rebound-${props.stage}-${stackUuidPart}` },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
  }

  /** `https://<prefix>.auth.<region>.amazoncognito.com`: the managed login's base URL. */
  public get loginBaseUrl(): string {
    return this.domain.baseUrl();
  }
}

/** The Scheduler settings the admin function needs to re-create a lost timer, as the planner would. */
export type AdminTimerEnvironment = Pick<
  EnvironmentOf<'admin'>,
  'SCHEDULE_GROUP' | 'SENDER_FUNCTION_ARN' | 'SCHEDULER_ROLE_ARN' | 'SCHEDULER_DLQ_ARN'
>;

export interface AdminViewProps {
  /** Log settings of the stage. */
  readonly functionDefaults: FunctionDefaults;
  /** The single table: reads, operator actions recorded as events, and settling stuck digests. */
  readonly table: ITable;
  /** The audit trail of admin actions: only this function may touch it. */
  readonly auditTable: ITable;
  /** The user pool and its managed login domain (stateful stack). */
  readonly identity: AdminIdentity;
  /** The HTTP API the admin routes are added to. */
  readonly api: HttpApi;
  /** The admin view's public base URL, no trailing slash (the custom domain when there is one). */
  readonly baseUrl: string;
  /** The timer target a re-sync writes into a timer (the planner's values). */
  readonly timers: AdminTimerEnvironment;
  /** The role the re-created timers run as: the function may pass it to Scheduler and no other. */
  readonly schedulerRole: IRole;
  /**
   * The dead-letter queues whose depth the health page shows, by the name it shows them under. Those named in
   * `REDRIVABLE_DEAD_LETTER_QUEUES` may also be redriven: the function receives and deletes their messages.
   */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  /**
   * The planner, which a redrive of the `stream` queue invokes with the records read back from the table's
   * stream (the table must have one).
   */
  readonly planner: IFunction;
}

/**
 * The admin view: a public app client (no secret; authorization code with PKCE only), the admin function on
 * `GET /admin` and `ANY /admin/{proxy+}`, and its permissions:
 * - table: reads (key lookups and index Queries, no Scan), `PutItem` and `UpdateItem` (`TableAccess` `admin`);
 * - audit table: `GetItem`, `PutItem`, `Query`; no other function is granted anything on it;
 * - Scheduler: `GetSchedule` (only this function reads a timer back), `CreateSchedule`/`UpdateSchedule` in the
 *   group (re-sync), and `iam:PassRole` on the Scheduler role only;
 * - SQS: `GetQueueAttributes` on the dead-letter queues (depths); `ReceiveMessage`, `DeleteMessage` and
 *   `ChangeMessageVisibility` on the redrivable ones (`scheduler`, `sender`, `stream`): no other role may take
 *   a message out of a dead-letter queue. No `StartMessageMoveTask`: a redrive goes through the pipeline;
 * - the table's stream: `DescribeStream`, `GetShardIterator`, `GetRecords` (a stream redrive reads a failed
 *   batch back), and `lambda:InvokeFunction` on the planner only (it replays it).
 */
export class AdminView extends Construct {
  public readonly function: ReboundFunction<'admin'>;
  public readonly client: UserPoolClient;
  public readonly routes: readonly HttpRoute[];
  /** `<base url>/admin`. */
  public readonly url: string;

  public constructor(scope: Construct, id: string, props: AdminViewProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { identity, baseUrl } = props;

    this.client = new UserPoolClient(this, 'Client', {
      userPool: identity.userPool,
      userPoolClientName: 'rebound-admin',
      // A public client: the browser-facing flow runs in the function, which has nowhere safer than its
      // environment to keep a secret; PKCE (which the function always sends) binds the code to the request.
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [`${baseUrl}${ADMIN_PATHS.callback}`],
        logoutUrls: [`${baseUrl}${ADMIN_PATHS.signedOut}`],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      // The session cookie holds the ID token, verified by signature only: 15 minutes bounds how long a
      // disabled operator keeps a session already open. Then the managed login again, which lets a signed-in,
      // still enabled operator straight back through while its own session lasts.
      idTokenValidity: Duration.minutes(15),
      accessTokenValidity: Duration.minutes(15),
      refreshTokenValidity: Duration.hours(8),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });
    // Managed login version 2 shows a client's pages only once the client has a branding style: Cognito's own.
    new CfnManagedLoginBranding(this, 'Branding', {
      userPoolId: identity.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    const issuer = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${identity.userPool.userPoolId}`;
    const login = `https://${identity.domain.domainName}.auth.${stack.region}.amazoncognito.com`;
    const fn = new ReboundFunction(this, 'Function', {
      ...props.functionDefaults,
      name: 'admin',
      description:
        'GET /admin, ANY /admin/{proxy+}: the admin pages and JSON API (Cognito sign-in verified in the function)',
      timeout: Duration.seconds(15),
      config: {
        TABLE_NAME: props.table.tableName,
        AUDIT_TABLE_NAME: props.auditTable.tableName,
        ADMIN_BASE_URL: baseUrl,
        ADMIN_ISSUER: issuer,
        ADMIN_JWKS_URL: `${issuer}/.well-known/jwks.json`,
        ADMIN_CLIENT_ID: this.client.userPoolClientId,
        ADMIN_AUTHORIZE_URL: `${login}/oauth2/authorize`,
        ADMIN_TOKEN_URL: `${login}/oauth2/token`,
        ADMIN_LOGOUT_URL: `${login}/logout`,
        ...props.timers,
        DEAD_LETTER_QUEUES: Object.entries(props.deadLetterQueues)
          .map(([name, queue]) => `${name}=${queue.queueUrl}`)
          .join(','),
        PLANNER_FUNCTION_ARN: props.planner.functionArn,
      },
    });
    fn.bindTable(props.table, 'admin');
    // Table only: the audit table has no index.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        resources: [props.auditTable.tableArn],
      }),
    );
    const scheduleArns = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${props.timers.SCHEDULE_GROUP}/*`,
    });
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['scheduler:GetSchedule', 'scheduler:CreateSchedule', 'scheduler:UpdateSchedule'],
        resources: [scheduleArns],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [props.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:GetQueueAttributes'],
        resources: Object.values(props.deadLetterQueues).map((queue) => queue.queueArn),
      }),
    );
    // Redrive: a dead letter is handed back to the pipeline, then deleted (kept ones made visible again).
    const redrivable = Object.entries(props.deadLetterQueues).filter(([name]) =>
      (REDRIVABLE_DEAD_LETTER_QUEUES as readonly string[]).includes(name),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
        resources: redrivable.map(([, queue]) => queue.queueArn),
      }),
    );
    const streamArn = props.table.tableStreamArn;
    if (!streamArn) throw new Error('The admin view redrives stream batches: the table needs a stream');
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords'],
        resources: [streamArn],
      }),
    );
    // The function itself, not `grantInvoke`'s `<arn>:*` too: no version or alias of it is ever invoked.
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.planner.functionArn] }),
    );
    Validations.of(fn.functionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${props.timers.SCHEDULE_GROUP}/*]`,
      reason:
        'Timers are named at runtime (one per user and send slot): the admin function may read and re-create any timer, but only inside the Rebound group.',
    });
    this.function = fn;

    const integration = new HttpLambdaIntegration('AdminIntegration', fn);
    this.routes = [
      ...props.api.addRoutes({ path: ADMIN_PATHS.home, methods: [HttpMethod.GET], integration }),
      ...props.api.addRoutes({
        path: `${ADMIN_PATHS.home}/{proxy+}`,
        methods: [HttpMethod.ANY],
        integration,
      }),
    ];
    for (const route of this.routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Authenticated in the function on every request (aws-jwt-verify: Cognito ID token, issuer, app client, expiry; roles from cognito:groups). A JWT authorizer cannot redirect a browser to the managed login, which the pages need.',
      });
    }
    this.url = `${baseUrl}${ADMIN_PATHS.home}`;
  }
}
