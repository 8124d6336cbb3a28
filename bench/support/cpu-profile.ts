/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, `.cpuprofile` JSON): self time by function and by area
 * (an npm package, a folder of this repo, a `node:` module, or V8's own buckets such as the garbage
 * collector). Pure: the caller reads the files.
 */

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    /** 0-based. */
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly samples?: readonly number[];
  /** Microseconds since the previous sample, one per sample. */
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  /** Share of the busy time (idle excluded). */
  readonly share: number;
}

export interface ProfileSummary {
  readonly wallMs: number;
  readonly idleMs: number;
  readonly busyMs: number;
  readonly byArea: readonly SelfTime[];
  readonly byFunction: readonly SelfTime[];
  /**
   * This repository's own functions by total (inclusive) time: the time of every sample with the function
   * anywhere on its stack, so a twin loop that spends its time inside luxon or the SDK still shows up.
   */
  readonly repoInclusive: readonly SelfTime[];
}

const V8_BUCKETS = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

/** Where a frame lives: `node_modules/@scope/pkg` → `@scope/pkg`; `<root>/shared/adapters/x.ts` → `shared/adapters`. */
export function areaOf(url: string, functionName: string, root: string): string {
  if (!url) return V8_BUCKETS.has(functionName) ? functionName : '(native)';
  if (url.startsWith('node:')) return url.split('/')[0] ?? url;
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first = '', second = ''] = path.slice(modules + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const base = root.endsWith('/') ? root : `${root}/`;
  if (path.startsWith(base)) {
    const parts = path.slice(base.length).split('/');
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
  }
  return path;
}

const shortUrl = (url: string, root: string): string => {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  const base = root.endsWith('/') ? root : `${root}/`;
  return path.startsWith(base) ? path.slice(base.length) : path;
};

const frameName = (node: CpuProfileNode, root: string): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  if (url) return `${functionName || '(anonymous)'} ${shortUrl(url, root)}:${lineNumber + 1}`;
  return V8_BUCKETS.has(functionName) ? functionName : `${functionName || '(anonymous)'} (native)`;
};

const isRepoFrame = (url: string, root: string): boolean => {
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(root.endsWith('/') ? root : `${root}/`) && !path.includes('/node_modules/');
};

/** Self time of every sample, attributed to the frame it hit, over one or more profiles. */
export function summarizeProfiles(profiles: readonly CpuProfile[], root: string, top = 20): ProfileSummary {
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let wallUs = 0;
  let idleUs = 0;
  for (const profile of profiles) {
    wallUs += profile.endTime - profile.startTime;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i += 1) {
      const node = nodes.get(samples[i] ?? -1);
      // The delta before the next sample is the time spent in this one.
      const us = Math.max(0, deltas[i + 1] ?? 0);
      if (!node) continue;
      const { functionName, url } = node.callFrame;
      if (functionName === '(idle)') {
        idleUs += us;
        continue;
      }
      const area = areaOf(url, functionName, root);
      byArea.set(area, (byArea.get(area) ?? 0) + us);
      const name = frameName(node, root);
      byFunction.set(name, (byFunction.get(name) ?? 0) + us);
      const seen = new Set<string>();
      for (let at: CpuProfileNode | undefined = node; at; at = nodes.get(parent.get(at.id) ?? -1)) {
        if (!isRepoFrame(at.callFrame.url, root)) continue;
        const frame = frameName(at, root);
        if (seen.has(frame)) continue;
        seen.add(frame);
        inclusive.set(frame, (inclusive.get(frame) ?? 0) + us);
      }
    }
  }
  const busyUs = [...byArea.values()].reduce((a, b) => a + b, 0);
  const rank = (m: Map<string, number>): SelfTime[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }));
  return {
    wallMs: wallUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    byArea: rank(byArea),
    byFunction: rank(byFunction),
    repoInclusive: rank(inclusive),
  };
}

/** Two ranked lists, as text. */
export function renderProfileSummary(s: ProfileSummary, top = 15): string {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)} %`;
  const rows = (list: readonly SelfTime[]) =>
    list
      .slice(0, top)
      .map((t) => `    ${pct(t.share)}  ${(t.ms / 1000).toFixed(1).padStart(7)} s  ${t.name}`)
      .join('\n');
  return [
    `  main thread: ${(s.wallMs / 1000).toFixed(0)} s profiled, ${(s.busyMs / 1000).toFixed(0)} s busy, ${(s.idleMs / 1000).toFixed(0)} s idle (waiting on I/O: DynamoDB Local, timers)`,
    '  self time by area:',
    rows(s.byArea),
    '  top functions by self time:',
    rows(s.byFunction),
    '  this repository’s functions by total time (callees included; tsx drops line numbers):',
    rows(s.repoInclusive),
  ].join('\n');
}
