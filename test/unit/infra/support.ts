/** Helpers shared by the infra assertion tests (not a test file itself). */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildStacks } from '../../../infra/bin/create-app.ts';
import { resolveStageConfig } from '../../../infra/stages.ts';

/**
 * Both stacks of one stage on a plain `App` (no cdk-nag), with asset bundling skipped: the assertion tests
 * look at the templates, `cdk-nag.test.ts` bundles for real.
 */
export function synthStacks(context: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const config = resolveStageConfig((key) => app.node.tryGetContext(key));
  return { app, config, ...buildStacks(app, config) };
}

/** The logical ID CDK gave a construct's CloudFormation resource, to follow references without hard-coding it. */
export function logicalIdOf(construct: IConstruct): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(resource);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement of every identity policy in the template (managed-by-CDK `AWS::IAM::Policy` + inline). */
export function identityStatements(template: Template): Array<{ owner: string; statement: Statement }> {
  const out: Array<{ owner: string; statement: Statement }> = [];
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    for (const statement of policy.Properties.PolicyDocument.Statement) out.push({ owner: id, statement });
  }
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const inline of role.Properties.Policies ?? []) {
      for (const statement of inline.PolicyDocument.Statement) out.push({ owner: id, statement });
    }
  }
  return out;
}

/** Statements of the policies attached to one role (found by the role's logical ID). */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) =>
      asArray(p.Properties.Roles).some(
        (r: unknown) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    )
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** Whether an IAM action pattern (`ses:*`, `ses:Put*`, `*`) covers `action`. */
const actionCovers = (pattern: string, action: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action);

/**
 * The logical IDs of every role that an identity policy in `template` allows `action` (wildcard patterns
 * included), whatever the resource: the "who can do this at all" question.
 */
export function rolesAllowedTo(template: Template, action: string): string[] {
  const roles = new Set<string>();
  const allows = (statement: Statement) =>
    statement.Effect === 'Allow' && asArray(statement.Action).some((a) => actionCovers(a, action));
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    if (!(policy.Properties.PolicyDocument.Statement as Statement[]).some(allows)) continue;
    for (const role of asArray(policy.Properties.Roles) as Array<{ Ref?: string }>) {
      if (role.Ref) roles.add(role.Ref);
    }
  }
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    const inline = (role.Properties.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>;
    if (inline.some((p) => p.PolicyDocument.Statement.some(allows))) roles.add(id);
  }
  return [...roles].sort();
}
