import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../infra/bin/create-app.ts';
import { CREATE_REQUIRE_BANNER } from '../../../infra/constructs/esbuild-settings.ts';

interface ValidationReport {
  pluginReports: Array<{ pluginName: string; conclusion: string; violations: Array<{ ruleName: string }> }>;
}

const outdirs: string[] = [];
const freshOutdir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-cdk-'));
  outdirs.push(dir);
  return dir;
};
const readReport = (outdir: string): ValidationReport | undefined => {
  const file = join(outdir, 'validation-report.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
};
const violationsOf = (report: ValidationReport | undefined) =>
  (report?.pluginReports ?? []).flatMap((r) => r.violations.map((v) => `${r.pluginName}: ${v.ruleName}`));

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

  it('reports no unacknowledged finding for dev (with real bundling)', () => {
    expect(violationsOf(readReport(devOutdir))).toEqual([]);
  });

  it('reports no unacknowledged finding for prod (domain identity, alarm email)', () => {
    const outdir = freshOutdir();
    const prod = createApp({
      outdir,
      context: {
        stage: 'prod',
        mailFrom: 'reminders@mail.example.org',
        sesDomain: 'mail.example.org',
        alarmEmail: 'ops@example.org',
        'aws:cdk:bundling-stacks': [],
      },
    });
    expect(() => prod.app.synth()).not.toThrow();
    expect(violationsOf(readReport(outdir))).toEqual([]);
  });

  it('fails synth on a finding nobody acknowledged (the check is live)', () => {
    const outdir = freshOutdir();
    const broken = createApp({ outdir, context: { stage: 'dev', 'aws:cdk:bundling-stacks': [] } });
    broken.stateless.ingest.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }),
    );
    expect(() => broken.app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
    expect(violationsOf(readReport(outdir))).toContain('AwsSolutions: AwsSolutions-IAM5[Resource::*]');
  });

  it('bundles every function locally into one ESM file with the createRequire banner and a source map', () => {
    const assetDirs = readdirSync(devOutdir).filter((entry) => entry.startsWith('asset.'));
    expect(assetDirs).toHaveLength(4);
    for (const dir of assetDirs) {
      expect(readdirSync(join(devOutdir, dir)).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(join(devOutdir, dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(CREATE_REQUIRE_BANNER)).toBe(true);
      // The AWS SDK is inside the bundle, not left to the runtime.
      expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    }
    // …and those are the four functions' code.
    const template = Template.fromStack(dev.stateless);
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(4);
  });
});
