import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { type IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SES_FEEDBACK_DETAIL_TYPES } from '../../events/ses-feedback.ts';
import type { StageName } from '../stages.ts';
import { type FunctionDefaults, ReboundFunction } from './rebound-function.ts';

/**
 * The rule's fixed name. The stateful stack names it in the dead-letter queue's resource policy before the
 * rule exists; one per stage, so two stages can share an account.
 */
export function sesFeedbackRuleName(stage: StageName): string {
  return `rebound-${stage}-ses-feedback`;
}

/** The ARN of the feedback rule of `stage` on the default bus of `scope`'s account and region. */
export function sesFeedbackRuleArn(scope: Construct, stage: StageName): string {
  return Stack.of(scope).formatArn({
    service: 'events',
    resource: 'rule',
    resourceName: sesFeedbackRuleName(stage),
  });
}

export interface SesFeedbackProps {
  /** Log settings of the stage. */
  readonly functionDefaults: FunctionDefaults;
  readonly stage: StageName;
  /** The single table: the function appends user-action events and reads the profile. */
  readonly table: ITable;
  /** Only events of mail sent through this configuration set reach the function. */
  readonly configurationSetName: string;
  /**
   * Where an event ends when EventBridge cannot deliver it, or the function failed on it after Lambda's
   * retries. Its policy must let the rule send (`DeadLetterQueue.allowEventRule`).
   */
  readonly deadLetterQueue: IQueue;
}

/**
 * SES bounces and complaints: an EventBridge rule on the default bus (the only bus SES publishes to) that
 * sends `Email Bounced` and `Email Complaint Received` events of Rebound's configuration set to the feedback
 * function, which suppresses the address in the user's timeline and on the account suppression list.
 *
 * Two hops can fail, and both park in the same queue: EventBridge delivering to Lambda (the target's DLQ
 * and retry policy), and the function itself (Lambda's async retries, then its on-failure destination).
 */
export class SesFeedback extends Construct {
  public readonly function: ReboundFunction<'feedback'>;
  public readonly rule: Rule;

  public constructor(scope: Construct, id: string, props: SesFeedbackProps) {
    super(scope, id);
    const fn = new ReboundFunction(this, 'Function', {
      ...props.functionDefaults,
      name: 'feedback',
      description:
        'SES bounces and complaints (EventBridge): suppresses the address, counts transient bounces',
      config: { TABLE_NAME: props.table.tableName },
    });
    fn.bindTable(props.table, 'readWrite');
    // Belt and braces: SES itself stops sending to a suppressed address even if a stale timer fires.
    // The account suppression list has no resource type to scope to (only SES tenants, which Rebound does
    // not use), so `*`, held to this region.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:PutSuppressedDestination'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': Stack.of(this).region } },
      }),
    );
    Validations.of(fn.functionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ses:PutSuppressedDestination acts on the account suppression list, which has no resource-level permissions; only this function holds it, limited to the stack region.',
    });
    fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(props.deadLetterQueue),
    });
    this.function = fn;

    this.rule = new Rule(this, 'Rule', {
      ruleName: sesFeedbackRuleName(props.stage),
      description: 'SES bounces and complaints of the Rebound configuration set → feedback function',
      eventPattern: {
        source: ['aws.ses'],
        detailType: [...SES_FEEDBACK_DETAIL_TYPES],
        // SES tags every event of mail sent through a configuration set with its name; other senders in the
        // account (and their bounces) stay out.
        detail: { mail: { tags: { 'ses:configuration-set': [props.configurationSetName] } } },
      },
      targets: [
        new LambdaFunction(fn, {
          // Imported by ARN: given the queue itself, CDK would add the rule's ARN to a policy in the stateful
          // stack, a reference from that stack back to this one. The stateful stack grants the rule instead.
          deadLetterQueue: Queue.fromQueueArn(this, 'DeadLetterQueue', props.deadLetterQueue.queueArn),
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
  }
}
