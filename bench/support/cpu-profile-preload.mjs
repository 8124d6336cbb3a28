/**
 * `node --cpu-prof` for a process we do not start ourselves: Node 20 refuses `--cpu-prof` in NODE_OPTIONS
 * but accepts `--import`. `npm run simulate -- --cpu-prof` passes the twin
 * `NODE_OPTIONS=--import=<this file>` with `CPU_PROFILE_DIR` (and optionally `CPU_PROFILE_INTERVAL_US`):
 * the V8 sampling profiler starts before the twin's first line and the profile is written, in the
 * `.cpuprofile` format DevTools opens, when the process exits.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', {
    interval: Number(process.env.CPU_PROFILE_INTERVAL_US ?? 1000),
  });
  session.post('Profiler.start');
  // The in-process session answers synchronously, so this works inside an 'exit' listener.
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error || !result) return;
      writeFileSync(join(dir, `twin-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
