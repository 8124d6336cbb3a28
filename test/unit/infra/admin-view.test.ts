import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROLES } from '../../../events/admin-api.ts';
import { loadConfig } from '../../../shared/config.ts';
import { AUDIT_TABLE_DEFINITION } from '../../../shared/table-definition.ts';
import {
  asArray,
  identityStatements,
  logicalIdOf,
  rolesAllowedTo,
  type Statement,
  statementsOfRole,
  synthStacks,
} from './support.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are untyped JSON.
type Json = any;

const PROD_CONTEXT = {
  stage: 'prod',
  mailFrom: 'reminders@mail.example.org',
  sesDomain: 'mail.example.org',
  alarmEmail: 'ops@example.org',
};
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const PSEUDO: Record<string, string> = {
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::Partition': 'aws',
};

/**
 * A stateless-stack value as the function would see it after deploy, with placeholders for what only
 * CloudFormation knows: a logical ID stands for a resource's name or id, `arn:aws:…:<logical id>` for an ARN,
 * an SQS URL or an execute-api URL where the attribute is one. Imports are followed into the stateful stack's
 * exports, so a value names the resource it really comes from.
 */
function renderer(stateless: Json, stateful: Json) {
  const exports = new Map<string, Json>(
    Object.values<Json>(stateful.Outputs ?? {})
      .filter((o) => o.Export?.Name)
      .map((o) => [o.Export.Name, o.Value]),
  );
  const render = (value: Json, template: Json): string => {
    if (typeof value === 'string') return value;
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'];
      return parts.map((p: Json) => render(p, template)).join(separator);
    }
    if ('Ref' in value) {
      if (value.Ref in PSEUDO) return PSEUDO[value.Ref] as string;
      const type = template.Resources[value.Ref]?.Type;
      if (type === 'AWS::SQS::Queue') return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${value.Ref}`;
      return value.Ref;
    }
    if ('Fn::GetAtt' in value) {
      const [id, attribute] = value['Fn::GetAtt'];
      if (attribute === 'Arn') return `arn:aws:placeholder:${REGION}:${ACCOUNT}:${id}`;
      if (attribute === 'ApiEndpoint') return `https://${id}.execute-api.${REGION}.amazonaws.com`;
      throw new Error(`no placeholder for ${id}.${attribute}`);
    }
    if ('Fn::ImportValue' in value) {
      const exported = exports.get(value['Fn::ImportValue']);
      if (exported === undefined) throw new Error(`no export ${value['Fn::ImportValue']}`);
      return render(exported, stateful);
    }
    throw new Error(`no placeholder for ${JSON.stringify(value)}`);
  };
  return (value: Json) => render(value, stateless);
}

describe('the admin view (CDK)', () => {
  let stacks: ReturnType<typeof synthStacks>;
  let stateless: Template;
  let stateful: Template;
  let prodStateful: Template;
  const adminRoleId = () => logicalIdOf(stacks.stateless.admin.functionRole);
  const adminStatements = () => statementsOfRole(stateless, adminRoleId());
  const actionsOf = (s: Statement) => asArray(s.Action);
  const statementsWith = (prefix: string) =>
    adminStatements().filter((s) => actionsOf(s).some((a) => a.startsWith(prefix)));
  const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  const auditTableId = () => logicalIdOf(stacks.stateful.auditTable);
  const adminEnvironment = (): Record<string, string> => {
    const render = renderer(stateless.toJSON(), stateful.toJSON());
    const variables = stateless.toJSON().Resources[logicalIdOf(stacks.stateless.admin)].Properties.Environment
      .Variables as Record<string, Json>;
    return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, render(v)]));
  };

  beforeAll(() => {
    stacks = synthStacks({ stage: 'dev' });
    stateless = Template.fromStack(stacks.stateless);
    stateful = Template.fromStack(stacks.stateful);
    prodStateful = Template.fromStack(synthStacks(PROD_CONTEXT).stateful);
  });

  describe('the user pool', () => {
    it('lets only administrators create users (no self sign-up) and sends them an invitation', () => {
      for (const template of [stateful, prodStateful]) {
        template.resourceCountIs('AWS::Cognito::UserPool', 1);
        template.hasResourceProperties('AWS::Cognito::UserPool', {
          AdminCreateUserConfig: {
            AllowAdminCreateUserOnly: true,
            InviteMessageTemplate: {
              EmailSubject: Match.stringLikeRegexp('admin account'),
              EmailMessage: Match.stringLikeRegexp('\\{username\\}.*\\{####\\}'),
            },
          },
        });
      }
    });

    it('signs in by email, with a strong password policy and recovery by email only', () => {
      stateful.hasResourceProperties('AWS::Cognito::UserPool', {
        UsernameAttributes: ['email'],
        UsernameConfiguration: { CaseSensitive: false },
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: Match.anyValue(),
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
        AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      });
      const pool = Object.values(stateful.findResources('AWS::Cognito::UserPool'))[0];
      expect(pool?.Properties.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
    });

    it('requires TOTP MFA on prod, with threat protection enforced on the Plus plan, and is retained', () => {
      prodStateful.hasResource('AWS::Cognito::UserPool', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          MfaConfiguration: 'ON',
          EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
          UserPoolTier: 'PLUS',
          UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
          DeletionProtection: 'ACTIVE',
        }),
      });
    });

    it('makes TOTP MFA optional on dev, without threat protection, and is destroyed with the stack', () => {
      stateful.hasResource('AWS::Cognito::UserPool', {
        DeletionPolicy: 'Delete',
        Properties: Match.objectLike({
          MfaConfiguration: 'OPTIONAL',
          EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
          UserPoolTier: 'ESSENTIALS',
          UserPoolAddOns: Match.absent(),
        }),
      });
    });

    it('names the admin URL in the invitation when the API has a custom domain', () => {
      const withDomain = Template.fromStack(
        synthStacks({
          ...PROD_CONTEXT,
          domainName: 'links.example.org',
          certificateArn:
            'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
        }).stateful,
      );
      withDomain.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: Match.objectLike({
          InviteMessageTemplate: Match.objectLike({
            EmailMessage: Match.stringLikeRegexp('https://links\\.example\\.org/admin'),
          }),
        }),
      });
    });

    it('has exactly the viewer and operator groups', () => {
      const poolId = logicalIdOf(stacks.stateful.adminIdentity.userPool);
      const groups = Object.values(stateful.findResources('AWS::Cognito::UserPoolGroup'));
      expect(groups.map((g) => g.Properties.GroupName).sort()).toEqual([...ADMIN_ROLES].sort());
      expect(['viewer', 'operator']).toEqual([...ADMIN_ROLES]);
      for (const group of groups) expect(group.Properties.UserPoolId).toEqual({ Ref: poolId });
    });

    it('has a managed login (version 2) prefix domain, unique per stack unless the stage names one', () => {
      stateful.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
        ManagedLoginVersion: 2,
        UserPoolId: { Ref: logicalIdOf(stacks.stateful.adminIdentity.userPool) },
        Domain: { 'Fn::Join': ['', Match.arrayWith(['rebound-dev-'])] },
      });
      const named = Template.fromStack(
        synthStacks({ stage: 'dev', adminDomainPrefix: 'acme-rebound' }).stateful,
      );
      named.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-rebound' });
    });

    it('outputs the user pool id and the managed login URL', () => {
      const outputs = stateful.toJSON().Outputs;
      expect(outputs.AdminUserPoolId.Value).toEqual({
        Ref: logicalIdOf(stacks.stateful.adminIdentity.userPool),
      });
      expect(JSON.stringify(outputs.AdminLoginDomain.Value)).toContain('.amazoncognito.com');
      expect(JSON.stringify(outputs.AdminLoginDomain.Value)).toContain(
        logicalIdOf(stacks.stateful.adminIdentity.domain),
      );
    });
  });

  describe('the app client', () => {
    const clientProps = () => {
      const clients = Object.values(stateless.findResources('AWS::Cognito::UserPoolClient'));
      expect(clients).toHaveLength(1);
      return clients[0]?.Properties;
    };
    const onApi = (path: string) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(stacks.stateless.api), 'ApiEndpoint'] }, path]],
    });

    it('is public (no secret) and allows only the authorization code flow, with the OpenID scopes', () => {
      expect(clientProps()).toMatchObject({
        GenerateSecret: false,
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['code'],
        SupportedIdentityProviders: ['COGNITO'],
      });
      expect([...clientProps().AllowedOAuthScopes].sort()).toEqual(['email', 'openid', 'profile']);
    });

    it('calls back to /admin/auth/callback and signs out to /admin/signed-out on the API', () => {
      expect(clientProps().CallbackURLs).toEqual([onApi('/admin/auth/callback')]);
      expect(clientProps().LogoutURLs).toEqual([onApi('/admin/signed-out')]);
    });

    it('issues ID tokens for 15 minutes (a disabled operator keeps no longer) and hides whether a user exists', () => {
      expect(clientProps()).toMatchObject({
        IdTokenValidity: 15,
        TokenValidityUnits: expect.objectContaining({ IdToken: 'minutes' }),
        PreventUserExistenceErrors: 'ENABLED',
      });
    });

    it("has the managed login's default branding (version 2 shows no pages without one)", () => {
      stateless.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', {
        ClientId: { Ref: logicalIdOf(stacks.stateless.adminView.client) },
        UseCognitoProvidedValues: true,
      });
    });
  });

  describe('the routes', () => {
    const route = (key: string) =>
      Object.values(stateless.findResources('AWS::ApiGatewayV2::Route')).find(
        (r) => r.Properties.RouteKey === key,
      );

    it.each(['GET /admin', 'ANY /admin/{proxy+}'])(
      '%s invokes the admin function, with no API Gateway authorizer (the function verifies)',
      (key) => {
        const found = route(key);
        expect(found, key).toBeDefined();
        expect(found?.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
        expect(found?.Properties.AuthorizerId).toBeUndefined();
        const [, parts] = found?.Properties.Target['Fn::Join'] ?? [];
        const integration = stateless.toJSON().Resources[parts[1].Ref];
        expect(integration.Properties.IntegrationUri).toEqual(getAtt(logicalIdOf(stacks.stateless.admin)));
      },
    );

    it('outputs AdminUrl, the API URL with /admin', () => {
      expect(stateless.toJSON().Outputs.AdminUrl.Value).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(stacks.stateless.api), 'ApiEndpoint'] }, '/admin']],
      });
    });
  });

  describe("the function's environment", () => {
    it('parses with the admin config schema', () => {
      expect(() => loadConfig('admin', adminEnvironment())).not.toThrow();
    });

    it('points sign-in at the user pool, its app client and its managed login domain', () => {
      const env = adminEnvironment();
      const poolId = logicalIdOf(stacks.stateful.adminIdentity.userPool);
      const domain = logicalIdOf(stacks.stateful.adminIdentity.domain);
      const issuer = `https://cognito-idp.${REGION}.amazonaws.com/${poolId}`;
      const login = `https://${domain}.auth.${REGION}.amazoncognito.com`;
      expect(env).toMatchObject({
        ADMIN_BASE_URL: `https://${logicalIdOf(stacks.stateless.api)}.execute-api.${REGION}.amazonaws.com`,
        ADMIN_ISSUER: issuer,
        ADMIN_JWKS_URL: `${issuer}/.well-known/jwks.json`,
        ADMIN_CLIENT_ID: logicalIdOf(stacks.stateless.adminView.client),
        ADMIN_AUTHORIZE_URL: `${login}/oauth2/authorize`,
        ADMIN_TOKEN_URL: `${login}/oauth2/token`,
        ADMIN_LOGOUT_URL: `${login}/logout`,
      });
    });

    it("names both tables, the planner's timer target, and the four dead-letter queues", () => {
      const env = adminEnvironment();
      const render = renderer(stateless.toJSON(), stateful.toJSON());
      const planner =
        stateless.toJSON().Resources[logicalIdOf(stacks.stateless.planner)].Properties.Environment.Variables;
      expect(env.TABLE_NAME).toBe(logicalIdOf(stacks.stateful.table));
      expect(env.AUDIT_TABLE_NAME).toBe(auditTableId());
      for (const key of [
        'SCHEDULE_GROUP',
        'SENDER_FUNCTION_ARN',
        'SCHEDULER_ROLE_ARN',
        'SCHEDULER_DLQ_ARN',
      ]) {
        expect(env[key], key).toBe(render(planner[key]));
      }
      const { plannerDlq, senderDlq, schedulerDlq, feedbackDlq } = stacks.stateful;
      const queues = Object.fromEntries(
        (env.DEAD_LETTER_QUEUES ?? '').split(',').map((pair) => pair.split('=') as [string, string]),
      );
      expect(queues).toEqual({
        stream: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${logicalIdOf(plannerDlq.queue)}`,
        sender: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${logicalIdOf(senderDlq.queue)}`,
        scheduler: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${logicalIdOf(schedulerDlq.queue)}`,
        feedback: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${logicalIdOf(feedbackDlq.queue)}`,
      });
      expect(env.DEAD_LETTERS_URL).toBeUndefined();
    });
  });

  describe('the audit table', () => {
    it('has the key schema and TTL of AUDIT_TABLE_DEFINITION, on demand, with PITR and encryption, no stream', () => {
      const table = stateful.toJSON().Resources[auditTableId()];
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: AUDIT_TABLE_DEFINITION.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: AUDIT_TABLE_DEFINITION.sortKey.name, KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: AUDIT_TABLE_DEFINITION.timeToLiveAttribute, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
      expect(table.Properties.StreamSpecification).toBeUndefined();
      expect(table.Properties.GlobalSecondaryIndexes).toBeUndefined();
    });

    it('is retained and deletion-protected on prod, destroyed with a dev stack', () => {
      expect(stateful.toJSON().Resources[auditTableId()].DeletionPolicy).toBe('Delete');
      const tables = Object.values(prodStateful.findResources('AWS::DynamoDB::Table'));
      expect(tables).toHaveLength(2);
      for (const table of tables) {
        expect(table).toMatchObject({
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
          Properties: expect.objectContaining({ DeletionProtectionEnabled: true }),
        });
      }
    });

    it('is reachable by the admin role only, which may get, put and query it and nothing else', () => {
      const mentionsAudit = (s: Statement) => JSON.stringify(s.Resource).includes(auditTableId());
      const everywhere = [
        ...identityStatements(stateless).map(({ statement }) => statement),
        ...identityStatements(stateful).map(({ statement }) => statement),
      ].filter(mentionsAudit);
      const admins = adminStatements().filter(mentionsAudit);
      expect(admins).toHaveLength(1);
      expect(everywhere).toEqual(admins);
      expect(actionsOf(admins[0] as Statement).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
      ]);
      // The table itself, one resource: no index, no pattern.
      expect(asArray(admins[0]?.Resource)).toHaveLength(1);
    });
  });

  describe("the admin function's permissions", () => {
    it('reads the table and its indexes, puts events and updates digests, and never deletes or scans', () => {
      const dynamo = statementsWith('dynamodb:').filter(
        (s) =>
          !JSON.stringify(s.Resource).includes(auditTableId()) &&
          !JSON.stringify(s.Resource).includes('StreamArn'),
      );
      expect(dynamo).toHaveLength(1);
      expect(actionsOf(dynamo[0] as Statement).sort()).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
      expect(JSON.stringify(dynamo[0]?.Resource)).toContain(logicalIdOf(stacks.stateful.table));
    });

    it('is the only role that may read a timer back (GetSchedule)', () => {
      expect(rolesAllowedTo(stateless, 'scheduler:GetSchedule')).toEqual([adminRoleId()]);
      expect(rolesAllowedTo(stateful, 'scheduler:GetSchedule')).toEqual([]);
    });

    it('gets, creates and updates timers only in the group, never deletes them, and passes only the Scheduler role', () => {
      const scheduling = statementsWith('scheduler:');
      expect(scheduling).toHaveLength(1);
      expect(actionsOf(scheduling[0] as Statement).sort()).toEqual([
        'scheduler:CreateSchedule',
        'scheduler:GetSchedule',
        'scheduler:UpdateSchedule',
      ]);
      expect(JSON.stringify(scheduling[0]?.Resource)).toContain(
        `:schedule/${stacks.config.scheduleGroupName}/*"]]}`,
      );
      const passRole = statementsWith('iam:');
      expect(passRole).toEqual([
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: getAtt(logicalIdOf(stacks.stateless.schedulerRole)),
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
      ]);
    });

    it('reads the attributes of the four dead-letter queues, and nobody may move their messages', () => {
      const sqs = statementsWith('sqs:').filter((s) => actionsOf(s).includes('sqs:GetQueueAttributes'));
      expect(sqs).toHaveLength(1);
      expect(actionsOf(sqs[0] as Statement)).toEqual(['sqs:GetQueueAttributes']);
      const resources = asArray(sqs[0]?.Resource).map((r) => JSON.stringify(r));
      const { plannerDlq, senderDlq, schedulerDlq, feedbackDlq } = stacks.stateful;
      expect(resources).toHaveLength(4);
      for (const queue of [plannerDlq, senderDlq, schedulerDlq, feedbackDlq]) {
        expect(resources.some((r) => r.includes(logicalIdOf(queue.queue)))).toBe(true);
      }
      expect(rolesAllowedTo(stateless, 'sqs:StartMessageMoveTask')).toEqual([]);
      expect(rolesAllowedTo(stateful, 'sqs:StartMessageMoveTask')).toEqual([]);
    });

    it('is the only role that may take messages out of a dead-letter queue (redrive), and only the redrivable ones', () => {
      for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) {
        expect(rolesAllowedTo(stateless, action), action).toEqual([adminRoleId()]);
        expect(rolesAllowedTo(stateful, action), action).toEqual([]);
      }
      const redrive = statementsWith('sqs:').filter((s) => actionsOf(s).includes('sqs:ReceiveMessage'));
      expect(redrive).toHaveLength(1);
      expect(actionsOf(redrive[0] as Statement).sort()).toEqual([
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:ReceiveMessage',
      ]);
      const resources = asArray(redrive[0]?.Resource).map((r) => JSON.stringify(r));
      const { plannerDlq, senderDlq, schedulerDlq, feedbackDlq } = stacks.stateful;
      expect(resources).toHaveLength(3);
      for (const queue of [plannerDlq, senderDlq, schedulerDlq]) {
        expect(resources.some((r) => r.includes(logicalIdOf(queue.queue)))).toBe(true);
      }
      expect(resources.some((r) => r.includes(logicalIdOf(feedbackDlq.queue)))).toBe(false);
    });

    it("reads the table's stream back and invokes the planner, and nothing else, to replay a stream dead letter", () => {
      const stream = statementsWith('dynamodb:').filter((s) =>
        JSON.stringify(s.Resource).includes('StreamArn'),
      );
      expect(stream).toHaveLength(1);
      expect(actionsOf(stream[0] as Statement).sort()).toEqual([
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
      ]);
      expect(JSON.stringify(stream[0]?.Resource)).toContain(logicalIdOf(stacks.stateful.table));
      expect(statementsWith('lambda:')).toEqual([
        {
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: getAtt(logicalIdOf(stacks.stateless.planner)),
        },
      ]);
      expect(adminEnvironment().PLANNER_FUNCTION_ARN).toBe(
        `arn:aws:placeholder:${REGION}:${ACCOUNT}:${logicalIdOf(stacks.stateless.planner)}`,
      );
    });

    it('has nothing else: no email, no secrets, no keys', () => {
      const prefixes = new Set(adminStatements().flatMap((s) => actionsOf(s).map((a) => a.split(':')[0])));
      expect([...prefixes].sort()).toEqual(['dynamodb', 'iam', 'lambda', 'logs', 'scheduler', 'sqs']);
    });
  });
});
