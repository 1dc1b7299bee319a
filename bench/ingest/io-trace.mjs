// Preloaded into the service by run.ts --trace-io (NODE_OPTIONS=--import …). Records,
// without changing behaviour: each ILP/HTTP request to QuestDB (request sent →
// response headers → end, as seen by the service's event loop), and per second the
// count, total and max duration of the synchronous fs calls the spool makes on the
// main thread. Written as JSON lines to TANHE_BENCH_TRACE_FILE at exit. Plain .mjs:
// it must load before tsx, and it patches node:fs before the spool imports it.
import fs from 'node:fs';
import http from 'node:http';
import module from 'node:module';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setInterval } from 'node:timers';

const file = process.env.TANHE_BENCH_TRACE_FILE;
if (file) {
  const records = [];
  const now = () => performance.timeOrigin + performance.now();
  const request = http.request;
  http.request = function (...args) {
    const startMs = now();
    const req = request.apply(this, args);
    const path = typeof args[0] === 'object' && args[0] !== null ? String(args[0].path) : String(args[0]);
    req.once('finish', () => {
      const sentMs = now();
      req.once('response', (res) => {
        const responseMs = now();
        res.once('end', () =>
          records.push({
            kind: 'http',
            path,
            startMs,
            sendMs: sentMs - startMs,
            waitMs: responseMs - sentMs,
            bodyMs: now() - responseMs,
          }),
        );
      });
    });
    return req;
  };
  for (const name of ['writeSync', 'fdatasyncSync', 'writeFileSync', 'renameSync', 'readSync', 'openSync']) {
    const original = fs[name];
    let calls = 0;
    let totalMs = 0;
    let maxMs = 0;
    fs[name] = function (...args) {
      const t = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const d = performance.now() - t;
        calls++;
        totalMs += d;
        if (d > maxMs) maxMs = d;
      }
    };
    setInterval(() => {
      if (calls > 0) records.push({ kind: 'fs', name, atMs: now(), calls, totalMs, maxMs });
      calls = 0;
      totalMs = 0;
      maxMs = 0;
    }, 1000).unref();
  }
  // ESM named imports of node:fs (the spool's) see the patched functions only after this.
  module.syncBuiltinESMExports();
  process.on('exit', () => fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n'));
}
