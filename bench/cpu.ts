/**
 * CPU time by process group, from /proc (Linux only; elsewhere the figures are empty): each service of
 * the running system, the PostgreSQL backends of the benchmark's database, RabbitMQ, and the benchmark
 * itself. Sampled before and after a run, it says what one transfer or one order costs, and where.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/**
 * Seconds of CPU used so far by each process, keyed `<group> <pid>`: kept per process so that one which
 * ended between two samples (a pool closing an idle PostgreSQL connection) does not cancel out the CPU of
 * one that started meanwhile.
 */
export type CpuSample = ReadonlyMap<string, number>;

/** The group of a CpuSample key. */
export const groupOf = (key: string) => key.slice(0, key.lastIndexOf(' '));

/** Seconds of CPU used so far, by process and group. `services` maps a service name to its pid. */
export function sampleCpu(opts: {
  services: Readonly<Record<string, number | undefined>>;
  database: string;
}): CpuSample {
  const byPid = new Map(Object.entries(opts.services).map(([name, pid]) => [pid, name]));
  const out = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let stat: string;
    let cmd: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // The process ended meanwhile.
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
    const add = (group: string, s: number) => out.set(`${group} ${pid}`, s);
    const service = byPid.get(Number(pid));
    if (service) add(service, seconds);
    else if (Number(pid) === process.pid) {
      add('benchmark (load generator)', seconds);
      // Children that ended and were waited for (pgbench, the raw-SQL load generator) count here.
      add('pgbench (ended children)', childrenSeconds(fields));
    } else if (cmd.startsWith('postgres: ') && cmd.includes(` ${opts.database} `)) add('postgresql', seconds);
    // A backend that ended (its client disconnected, as pgbench's do when it exits) has left /proc, but the
    // server's main process waited for it, so its CPU is in the main process's children's times. That sum
    // covers every database on the server: benchmarks are to be run on an otherwise quiet server.
    else if (/\/bin\/postgres( |$)/.test(cmd)) add('postgresql', childrenSeconds(fields));
    else if (cmd.includes('beam.smp')) add('rabbitmq', seconds);
  }
  return out;
}

/** The CPU of a process's children that ended and were waited for (cutime and cstime). */
function childrenSeconds(fields: readonly string[]): number {
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_S;
}

/**
 * CPU milliseconds per unit of work between two samples, by group, largest first, with the total: each
 * process's CPU since the first sample (all of it for one started since); one that ended before the second
 * sample is missing, so short-lived processes are undercounted, never subtracted.
 */
export function cpuPerUnit(before: CpuSample, after: CpuSample, units: number): Record<string, string> {
  const byGroup = new Map<string, number>();
  for (const [key, s] of after)
    byGroup.set(groupOf(key), (byGroup.get(groupOf(key)) ?? 0) + s - (before.get(key) ?? 0));
  const rows = [...byGroup].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, s]) => sum + s, 0);
  const ms = (s: number) => `${Math.round((s / Math.max(units, 1)) * 1_000_000) / 1000} ms`;
  return Object.fromEntries([...rows.map(([group, s]) => [group, ms(s)]), ['total', ms(total)]]);
}
