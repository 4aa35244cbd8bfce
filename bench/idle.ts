/**
 * What the whole system costs when nothing happens: CPU milliseconds per second of each process (services,
 * the PostgreSQL backends of the benchmark's database, RabbitMQ when AMQP_URL is set) over an idle window,
 * beside the same window with only PostgreSQL's own processes (the baseline: a server with no client).
 * Every benchmark's CPU per unit includes this, divided by the units of its run.
 */
import { startSystem } from '../scripts/system.ts';
import { type CpuSample, cpuPerUnit, sampleCpu } from './cpu.ts';
import { benchDatabase, quiesce } from './lib.ts';

const WINDOW_S = Number(process.env['BENCH_DURATION_S'] ?? 30);
const CPU_PROF_DIR = process.env['BENCH_CPU_PROF_DIR'];

async function window(scope: Parameters<typeof sampleCpu>[0]): Promise<[CpuSample, CpuSample]> {
  const before = sampleCpu(scope);
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  return [before, sampleCpu(scope)];
}

async function main() {
  const db = await benchDatabase();
  try {
    const database = new URL(db.url).pathname.slice(1);
    // Milliseconds per second: cpuPerUnit divides seconds by units and prints milliseconds.
    const baseline = await window({ services: {}, database });
    const system = await startSystem({
      databaseUrl: db.url,
      ports: 'random',
      output: 'ignore',
      ...(CPU_PROF_DIR ? { cpuProfileDir: CPU_PROF_DIR } : {}),
      env: { LOG_LEVEL: 'warn' },
    });
    try {
      await quiesce(system.urls);
      // Start-up's own work (migrations, first jobs) is over before the window opens.
      await new Promise((r) => setTimeout(r, 5_000));
      const idle = await window({ services: system.pids, database });
      console.log(`CPU per second of an idle system, over ${WINDOW_S} s (ms of CPU per s of wall time):`);
      console.table({
        'no client (baseline)': cpuPerUnit(baseline[0], baseline[1], WINDOW_S),
        'idle system': cpuPerUnit(idle[0], idle[1], WINDOW_S),
      });
    } finally {
      await system.stop();
    }
  } finally {
    await db.drop();
  }
}

await main();
