/**
 * The one set of esbuild settings for every Lambda bundle. `ReboundFunction` maps it onto CDK's
 * `BundlingOptions`; `bench/bundles.ts` passes it straight to esbuild, so the bench measures exactly what ships.
 *
 * Deliberately free of aws-cdk-lib imports: the bench loads it without paying for the CDK.
 */
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in `infra/constructs/`). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Node major the bundles target; must match the Lambda runtime picked in `rebound-function.ts`. */
export const NODE_TARGET = 'node24';

/**
 * ESM output cannot `require()` Node built-ins, but some CommonJS dependencies inside the bundle still do
 * (`require('buffer')` and friends); esbuild's ESM shim throws "Dynamic require of ... is not supported"
 * unless a real `require` exists in module scope.
 */
export const CREATE_REQUIRE_BANNER =
  "import { createRequire as __reboundCreateRequire } from 'node:module'; const require = __reboundCreateRequire(import.meta.url);";

export interface EsbuildSettings {
  readonly platform: 'node';
  readonly format: 'esm';
  readonly target: string;
  readonly minify: boolean;
  readonly sourcemap: boolean;
  /** Keep original sources out of the `.map`: stack traces only need the mappings, and the zip stays small. */
  readonly sourcesContent: boolean;
  /** Prefer the ESM builds of dependencies (the AWS SDK ships both) so esbuild can tree-shake them. */
  readonly mainFields: readonly string[];
  readonly banner: string;
  /**
   * Nothing is external: the AWS SDK v3 clients are bundled, not taken from the runtime. AWS recommends
   * this for cold start (one file to parse, no resolution through the runtime's node_modules) and it pins
   * the SDK version we tested against.
   */
  readonly external: readonly string[];
}

export const ESBUILD_SETTINGS: EsbuildSettings = {
  platform: 'node',
  format: 'esm',
  target: NODE_TARGET,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: CREATE_REQUIRE_BANNER,
  external: [],
};

/** Path of a function's entry point, e.g. `functions/planner.ts`. */
export function entryFor(name: string): string {
  return fileURLToPath(new URL(`../../functions/${name}.ts`, import.meta.url));
}
