// Preloaded into the service by run.ts --profile (NODE_OPTIONS=--import …), because
// Node refuses --cpu-prof in NODE_OPTIONS. Starts the V8 sampling profiler at once
// and writes a .cpuprofile to TANHE_BENCH_PROFILE_DIR when the process exits
// (the service calls process.exit after a graceful stop). Plain .mjs: it must load
// before tsx registers its TypeScript loader.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import process from 'node:process';

const dir = process.env.TANHE_BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  // SIGUSR2 writes the profile so far and starts a new one (bench/peers: one profile per phase).
  let part = 0;
  process.on('SIGUSR2', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error)
        writeFileSync(join(dir, `service-${process.pid}-${part++}.cpuprofile`), JSON.stringify(result.profile));
      session.post('Profiler.start');
    });
  });
  // In-thread inspector sessions answer synchronously, so this works inside 'exit'.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `service-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
