import { App } from 'aws-cdk-lib';
import { buildStacks } from './create-app.ts';
import { resolveStageConfig } from '../stages.ts';
const app = new App({ outdir: '/tmp/timeprobe2', context: { 'aws:cdk:bundling-stacks': [] } });
buildStacks(app, resolveStageConfig(() => undefined));
const t2 = performance.now();
app.synth();
console.log(`plain synth ${(performance.now() - t2).toFixed(0)} ms`);
