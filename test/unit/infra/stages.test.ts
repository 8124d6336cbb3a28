import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { resolveStageConfig, stackName } from '../../../infra/stages.ts';
import { DEFAULT_SCHEDULE_GROUP } from '../../../shared/wiring.ts';

const contextOf =
  (values: Record<string, unknown>) =>
  (key: string): unknown =>
    values[key];

describe('stage config', () => {
  it("defaults to dev with a placeholder sender, the twin's schedule group, short log retention and DESTROY", () => {
    const config = resolveStageConfig(contextOf({}));
    expect(config).toMatchObject({
      stage: 'dev',
      mailFrom: 'reminders@example.com',
      scheduleGroupName: DEFAULT_SCHEDULE_GROUP,
      logRetention: RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    expect(config.alarmEmail).toBeUndefined();
  });

  it('retains data on prod and takes the sender, domain and alarm email from context', () => {
    const config = resolveStageConfig(
      contextOf({
        stage: 'prod',
        mailFrom: 'hi@mail.example.org',
        sesDomain: 'mail.example.org',
        alarmEmail: 'ops@x.org',
      }),
    );
    expect(config).toMatchObject({
      stage: 'prod',
      mailFrom: 'hi@mail.example.org',
      sesDomain: 'mail.example.org',
      alarmEmail: 'ops@x.org',
      removalPolicy: RemovalPolicy.RETAIN,
    });
  });

  it('refuses prod without a sender address, naming the context key', () => {
    expect(() => resolveStageConfig(contextOf({ stage: 'prod' }))).toThrow(/context "mailFrom"/);
  });

  it('refuses a sender outside the verified domain', () => {
    expect(() =>
      resolveStageConfig(contextOf({ mailFrom: 'a@other.example', sesDomain: 'mail.example.org' })),
    ).toThrow(/context "mailFrom": mailFrom must be an address at sesDomain/);
  });

  it('refuses an unknown stage and a bad schedule group name', () => {
    expect(() => resolveStageConfig(contextOf({ stage: 'staging' }))).toThrow(/context "stage"/);
    expect(() => resolveStageConfig(contextOf({ scheduleGroup: 'no spaces' }))).toThrow(
      /context "scheduleGroup"/,
    );
  });

  it('takes a custom API domain together with its certificate, and refuses one without the other', () => {
    const certificateArn =
      'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
    expect(resolveStageConfig(contextOf({ domainName: 'links.example.org', certificateArn }))).toMatchObject({
      domainName: 'links.example.org',
      certificateArn,
    });
    expect(resolveStageConfig(contextOf({})).domainName).toBeUndefined();
    expect(() => resolveStageConfig(contextOf({ domainName: 'links.example.org' }))).toThrow(
      /context "domainName": set domainName and certificateArn together/,
    );
    expect(() => resolveStageConfig(contextOf({ certificateArn }))).toThrow(/context "domainName"/);
    expect(() =>
      resolveStageConfig(
        contextOf({ domainName: 'links.example.org', certificateArn: 'arn:aws:iam::1:role/x' }),
      ),
    ).toThrow(/context "certificateArn": must be an ACM certificate ARN/);
  });

  it("takes the admin sign-in's Cognito domain prefix, and refuses one Cognito would", () => {
    expect(resolveStageConfig(contextOf({})).adminDomainPrefix).toBeUndefined();
    expect(resolveStageConfig(contextOf({ adminDomainPrefix: 'acme-rebound' })).adminDomainPrefix).toBe(
      'acme-rebound',
    );
    for (const bad of [
      'Acme',
      'acme_rebound',
      '-acme',
      'acme-',
      'my-aws-admin',
      'cognito-x',
      'a'.repeat(64),
    ]) {
      expect(() => resolveStageConfig(contextOf({ adminDomainPrefix: bad })), bad).toThrow(
        /context "adminDomainPrefix"/,
      );
    }
  });

  it('names stacks Rebound-<stage>-Stateful / -Stateless', () => {
    expect(stackName('prod', 'Stateful')).toBe('Rebound-prod-Stateful');
    expect(stackName('dev', 'Stateless')).toBe('Rebound-dev-Stateless');
  });
});
