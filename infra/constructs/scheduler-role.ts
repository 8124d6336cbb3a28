import { Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * A role only EventBridge Scheduler may assume, and only for schedules of one group in this account (the
 * confused-deputy conditions AWS recommends). Callers grant it what its target needs.
 */
export function schedulerRole(
  scope: Construct,
  id: string,
  props: { readonly description: string; readonly scheduleGroupName: string },
): Role {
  const stack = Stack.of(scope);
  return new Role(scope, id, {
    description: props.description,
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnEquals: {
          'aws:SourceArn': stack.formatArn({
            service: 'scheduler',
            resource: 'schedule-group',
            resourceName: props.scheduleGroupName,
          }),
        },
      },
    }),
  });
}
