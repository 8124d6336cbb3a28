/**
 * The app factory: `infra/bin/app.ts` (the CDK CLI) and the infra tests build the same app from here, so the
 * tests synth in-process exactly what `cdk synth` does, cdk-nag included.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StatefulStack } from '../stacks/stateful-stack.ts';
import { StatelessStack } from '../stacks/stateless-stack.ts';
import { resolveStageConfig, type StageConfig, stackName } from '../stages.ts';

export interface ReboundStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/** Add both stacks of one stage to `app`. No checks: the assertion tests use this on a plain `App`. */
export function buildStacks(app: App, config: StageConfig): ReboundStacks {
  // Environment-agnostic unless the CLI knows the account/region (it does on deploy, not offline).
  const env =
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined;
  const tags = { project: 'rebound', stage: config.stage };
  const stateful = new StatefulStack(app, stackName(config.stage, 'Stateful'), {
    config,
    env,
    tags,
    stackName: stackName(config.stage, 'Stateful'),
    description: `Rebound ${config.stage}: table, audit table, dead-letter queues, schedule group, SES, admin user pool, alarm topic`,
    terminationProtection: config.stage === 'prod',
  });
  const stateless = new StatelessStack(app, stackName(config.stage, 'Stateless'), {
    config,
    stateful,
    env,
    tags,
    stackName: stackName(config.stage, 'Stateless'),
    description: `Rebound ${config.stage}: functions, HTTP API (intake, link pages, admin view), stream and schedule wiring, alarms`,
  });
  stateless.addStackDependency(stateful);
  return { stateful, stateless };
}

/**
 * The whole app: stage from context (`-c stage=dev|prod`), both stacks, and cdk-nag's AWS Solutions pack as
 * a validation plugin (synth fails on any unacknowledged finding). The pack is returned too, so tests can
 * read its findings directly (`nag.validateScope(app)`) instead of from the report file synth writes.
 */
export function createApp(
  props: AppProps = {},
): { app: App; config: StageConfig; nag: AwsSolutionsChecks } & ReboundStacks {
  const app = new App(props);
  const config = resolveStageConfig((key) => app.node.tryGetContext(key));
  const stacks = buildStacks(app, config);
  const nag = new AwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(nag);
  return { app, config, nag, ...stacks };
}
