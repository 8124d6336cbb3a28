import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../infra/bin/create-app.ts';
import { CREATE_REQUIRE_BANNER } from '../../../infra/constructs/esbuild-settings.ts';
import { CONFIG_SCHEMAS } from '../../../shared/config.ts';

/**
 * The pack's findings, read from the pack itself. (The report file synth writes lists no plugin at all when
 * nothing is found, so an empty report cannot tell "clean" from "never ran".)
 */
const findingsOf = (built: ReturnType<typeof createApp>): string[] =>
  built.nag.validateScope(built.app).violations.map((v) => v.ruleName);

const outdirs: string[] = [];
const freshOutdir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-cdk-'));
  outdirs.push(dir);
  return dir;
};

describe('cdk-nag (AwsSolutionsChecks in the app factory)', () => {
  let dev: ReturnType<typeof createApp>;
  let devOutdir: string;

  beforeAll(() => {
    // The one real synth: the app exactly as `cdk synth` builds it, with esbuild bundling and cdk-nag.
    devOutdir = freshOutdir();
    dev = createApp({ outdir: devOutdir, context: { stage: 'dev' } });
    dev.app.synth();
  });

  afterAll(() => {
    for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  });

  it('finds nothing unacknowledged in dev (with real bundling)', () => {
    expect(findingsOf(dev)).toEqual([]);
  });

  it('finds nothing unacknowledged in prod (domain identity, alarm email, custom API domain)', () => {
    const prod = createApp({
      outdir: freshOutdir(),
      context: {
        stage: 'prod',
        mailFrom: 'reminders@mail.example.org',
        sesDomain: 'mail.example.org',
        alarmEmail: 'ops@example.org',
        domainName: 'links.example.org',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
        'aws:cdk:bundling-stacks': [],
      },
    });

    expect(() => prod.app.synth()).not.toThrow();
    expect(findingsOf(prod)).toEqual([]);
  });

  it('sees a finding nobody acknowledged, and synth fails on it (the check is live)', () => {
    const broken = createApp({
      outdir: freshOutdir(),
      context: { stage: 'dev', 'aws:cdk:bundling-stacks': [] },
    });
    broken.stateless.ingest.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }),
    );

    expect(findingsOf(broken)).toEqual(['AwsSolutions-IAM5[Resource::*]']);
    expect(() => broken.app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
  });

  it('bundles every function locally into one ESM file with the createRequire banner and a source map', () => {
    // One per config schema, and openapi, which has none.
    const functionCount = Object.keys(CONFIG_SCHEMAS).length + 1;
    const assetDirs = readdirSync(devOutdir).filter((entry) => entry.startsWith('asset.'));
    expect(assetDirs).toHaveLength(functionCount);
    for (const dir of assetDirs) {
      expect(readdirSync(join(devOutdir, dir)).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(join(devOutdir, dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(CREATE_REQUIRE_BANNER)).toBe(true);
      // The AWS SDK is inside the bundle, not left to the runtime.
      expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    }
    // …and those are the functions' code.
    const template = Template.fromStack(dev.stateless);
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(functionCount);
  });
});
