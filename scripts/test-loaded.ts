/**
 * `npm run test:loaded`: the whole suite several times in a row (3 by default, `-- --runs <n>`) while other
 * processes keep every core busy, to show that no test depends on the machine's speed (docs/runbooks/ci.md).
 * The load is one busy loop per core in child processes of its own, so the suite competes for the CPU as it
 * would on a shared, noisy machine. It stops at the first failed run, and always stops the load.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS_DEFAULT = 3;
const RUNS_MAX = 20;
/** The loop yields now and then only so that it answers SIGTERM at once. */
const BUSY_LOOP =
  'const end = () => process.exit(0); process.on("SIGTERM", end); for (;;) { const t = Date.now() + 50; while (Date.now() < t); await new Promise((r) => setImmediate(r)); }';

function startLoad(cores: number): ChildProcess[] {
  return Array.from({ length: cores }, () =>
    spawn(process.execPath, ['--input-type=module', '-e', BUSY_LOOP], { stdio: 'ignore' }),
  );
}

function runSuite(extra: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [resolve(ROOT, 'scripts/test.ts'), ...extra], {
    cwd: ROOT,
    stdio: 'inherit',
    env: process.env,
  });
  return new Promise((done) => child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0))));
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { runs: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const runs = Number(values.runs ?? RUNS_DEFAULT);
  if (!Number.isInteger(runs) || runs < 1 || runs > RUNS_MAX) {
    console.error(`test:loaded: --runs must be an integer from 1 to ${RUNS_MAX}`);
    return 2;
  }
  const cores = availableParallelism();
  const load = startLoad(cores);
  const stopLoad = () => {
    for (const p of load) p.kill('SIGTERM');
  };
  process.on('SIGINT', () => {
    stopLoad();
    process.exit(130);
  });
  console.log(`test:loaded: ${runs} runs of the whole suite, ${cores} busy loops keeping every core busy`);
  const results: string[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const started = Date.now();
      const code = await runSuite(positionals);
      const seconds = Math.round((Date.now() - started) / 1000);
      results.push(`run ${run}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds} s`);
      console.log(`test:loaded: ${results.at(-1)}`);
      if (code !== 0) return code;
    }
    return 0;
  } finally {
    stopLoad();
    console.log(`test:loaded: summary\n  ${results.join('\n  ')}`);
  }
}

process.exitCode = await main();
