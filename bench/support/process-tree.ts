/**
 * Resident memory and CPU time of a process tree, from Linux `/proc`: `VmRSS` and utime+stime of every
 * process under a root pid (children found through `/proc/<pid>/task/<tid>/children`), grouped by
 * executable name.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** At most this many processes are walked per sample (the twin has two: node and java). */
const MAX_TREE = 64;

export const procAvailable = (): boolean => {
  try {
    readFileSync('/proc/self/status', 'utf8');
    return true;
  } catch {
    return false;
  }
};

/** Direct children of `pid` (all threads), or [] when it is gone. */
export function childrenOf(pid: number): number[] {
  const out = new Set<number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const tid of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) {
        if (child) out.add(Number(child));
      }
    } catch {
      // the thread ended while we looked
    }
  }
  return [...out];
}

interface ProcStatus {
  readonly pid: number;
  readonly name: string;
  readonly rssKb: number;
}

function status(pid: number): ProcStatus | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const name = /^Name:\s+(.+)$/m.exec(text)?.[1]?.trim() ?? '?';
    const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(text)?.[1] ?? 0);
    return { pid, name, rssKb };
  } catch {
    return undefined;
  }
}

/** The root and every descendant, breadth first. */
export function tree(root: number): ProcStatus[] {
  const seen: ProcStatus[] = [];
  const queue = [root];
  while (queue.length > 0 && seen.length < MAX_TREE) {
    const pid = queue.shift() as number;
    const s = status(pid);
    if (!s) continue;
    seen.push(s);
    queue.push(...childrenOf(pid));
  }
  return seen;
}

let ticksPerSecond: number | undefined;
const clockTicks = (): number => {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(
        execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 }).trim(),
      );
    } catch {
      ticksPerSecond = 100;
    }
    if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) ticksPerSecond = 100;
  }
  return ticksPerSecond;
};

/** CPU time (user + system, all threads) used so far by the live processes of the tree, in ms. */
export function treeCpuMs(root: number): number {
  let ticks = 0;
  for (const { pid } of tree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the `(comm)`, which may itself hold spaces: state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      // gone
    }
  }
  return (ticks * 1000) / clockTicks();
}

export type Group = 'node' | 'java' | 'other';
const groupOf = (name: string): Group => (name === 'node' ? 'node' : name === 'java' ? 'java' : 'other');

export interface RssPeaks {
  /** Highest RSS seen for each group, in MB; `total` is the highest sum at one instant (not a sum of peaks). */
  readonly peakMb: Record<Group | 'total', number>;
  /** Peak total per phase label, in MB. */
  readonly peakTotalByPhaseMb: Record<string, number>;
  readonly samples: number;
  readonly intervalMs: number;
  readonly processes: { pid: number; name: string }[];
}

/** Samples the tree under `root` every `intervalMs` until `stop()` (or `maxSamples`). */
export class RssSampler {
  private readonly peak: Record<Group | 'total', number> = { node: 0, java: 0, other: 0, total: 0 };
  private readonly byPhase = new Map<string, number>();
  private readonly processes = new Map<number, string>();
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private phase = 'startup';

  public constructor(
    private readonly root: number,
    private readonly intervalMs = 250,
    private readonly maxSamples = 4_000,
  ) {}

  public start(): void {
    this.sample();
    this.timer = setInterval(() => {
      if (this.samples >= this.maxSamples) this.stop();
      else this.sample();
    }, this.intervalMs);
  }

  /** Label the following samples (e.g. `intake c=10`). */
  public setPhase(phase: string): void {
    this.phase = phase;
    this.sample();
  }

  public stop(): RssPeaks {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
    return {
      peakMb: {
        node: mb(this.peak.node),
        java: mb(this.peak.java),
        other: mb(this.peak.other),
        total: mb(this.peak.total),
      },
      peakTotalByPhaseMb: Object.fromEntries([...this.byPhase].map(([k, v]) => [k, mb(v)])),
      samples: this.samples,
      intervalMs: this.intervalMs,
      processes: [...this.processes].map(([pid, name]) => ({ pid, name })),
    };
  }

  private sample(): void {
    const procs = tree(this.root);
    if (procs.length === 0) return;
    this.samples += 1;
    const sums: Record<Group | 'total', number> = { node: 0, java: 0, other: 0, total: 0 };
    for (const p of procs) {
      this.processes.set(p.pid, p.name);
      sums[groupOf(p.name)] += p.rssKb;
      sums.total += p.rssKb;
    }
    for (const key of Object.keys(sums) as (Group | 'total')[]) {
      this.peak[key] = Math.max(this.peak[key], sums[key]);
    }
    this.byPhase.set(this.phase, Math.max(this.byPhase.get(this.phase) ?? 0, sums.total));
  }
}
