/**
 * Run settings for every property test: a fixed seed and a bounded number of runs, so the unit suite stays
 * fast and a failure replays exactly. `PROPERTY_SEED` and `PROPERTY_RUNS` override both for a longer hunt:
 * `PROPERTY_RUNS=20000 PROPERTY_SEED=7 npx vitest run test/unit/property`.
 */
import type { Parameters } from 'fast-check';

const DEFAULT_SEED = 20_260_310;

export function propertyRuns(numRuns: number): Parameters<unknown> {
  const seed = process.env.PROPERTY_SEED;
  const runs = process.env.PROPERTY_RUNS;
  return {
    seed: seed === undefined ? DEFAULT_SEED : Number(seed),
    numRuns: runs === undefined ? numRuns : Number(runs),
  };
}
