import { describe, expect, it } from 'vitest';
import { areaOf, type CpuProfile, summarizeProfiles } from '../../../bench/support/cpu-profile.ts';

const ROOT = '/srv/rebound';

describe('areaOf', () => {
  it.each([
    ['file:///srv/rebound/node_modules/@aws-sdk/core/dist/index.js', '', '@aws-sdk/core'],
    ['file:///srv/rebound/node_modules/.pnpm/x/node_modules/zod/v4/core.js', '', 'zod'],
    ['file:///srv/rebound/shared/adapters/dynamodb-store.ts', '', 'shared/adapters'],
    ['file:///srv/rebound/functions/planner.ts', '', 'functions'],
    ['node:internal/streams/readable', '', 'node:internal'],
    ['', '(garbage collector)', '(garbage collector)'],
    ['', 'JSONParse', '(native)'],
  ])('puts %s %s in %s', (url, fn, area) => {
    expect(areaOf(url, fn, ROOT)).toBe(area);
  });
});

describe('summarizeProfiles', () => {
  // root → a (shared/x.ts) → b (zod); samples: a, b, b, idle, gc; 10 ms between samples.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 4, 5] },
      {
        id: 2,
        callFrame: {
          functionName: 'plan',
          url: 'file:///srv/rebound/shared/use-cases/plan.ts',
          lineNumber: 9,
        },
        children: [3],
      },
      {
        id: 3,
        callFrame: {
          functionName: 'parse',
          url: 'file:///srv/rebound/node_modules/zod/index.js',
          lineNumber: 0,
        },
      },
      { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      { id: 5, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
    ],
    samples: [2, 3, 3, 4, 5],
    timeDeltas: [0, 10_000, 10_000, 10_000, 10_000, 10_000],
    startTime: 0,
    endTime: 60_000,
  };

  it('attributes self time to areas and functions, idle apart', () => {
    const s = summarizeProfiles([profile], ROOT);
    expect(s.wallMs).toBe(60);
    expect(s.idleMs).toBe(10);
    expect(s.busyMs).toBe(40);
    expect(s.byArea.map((a) => [a.name, a.ms])).toEqual([
      ['zod', 20],
      ['shared/use-cases', 10],
      ['(garbage collector)', 10],
    ]);
    expect(s.byArea[0]?.share).toBeCloseTo(0.5, 9);
    expect(s.byFunction[0]?.name).toBe('parse zod/index.js:1');
  });

  it('credits this repository’s functions with the time of their callees', () => {
    const s = summarizeProfiles([profile], ROOT);
    expect(s.repoInclusive.map((f) => [f.name, f.ms])).toEqual([['plan shared/use-cases/plan.ts:10', 30]]);
  });

  it('names native frames by function', () => {
    const native: CpuProfile = {
      nodes: [{ id: 1, callFrame: { functionName: 'writev', url: '', lineNumber: -1 } }],
      samples: [1],
      timeDeltas: [0, 1000],
      startTime: 0,
      endTime: 1000,
    };
    expect(summarizeProfiles([native], ROOT).byFunction[0]?.name).toBe('writev (native)');
  });

  it('adds several profiles together', () => {
    expect(summarizeProfiles([profile, profile], ROOT).busyMs).toBe(80);
  });
});
