/**
 * `npm test`: every tier (unit `*.test.ts`, integration `*.int.test.ts`, end-to-end `test/**`) in one run of
 * node's test runner, so the run ends with node's own summary lines. The database is `TEST_DATABASE_URL`
 * when set, else a throwaway embedded PostgreSQL that lives for this run only. Extra arguments narrow the
 * run to the given files: `npm test -- services/identity/src/features/login/login.int.test.ts`.
 */
import { spawn } from 'node:child_process';
import { glob, mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { EmbeddedStartError, startEmbedded } from '@strongbox/postgres/embedded';

const ROOT = resolve(import.meta.dirname, '..');
const PATTERNS = [
  'packages/*/src/**/*.test.ts',
  'services/*/src/**/*.test.ts',
  'apps/*/src/**/*.test.ts',
  'scripts/**/*.test.ts',
  'test/**/*.test.ts',
];
/** Files are independent (one database each), so a few run at once even on two cores; most time is I/O. */
const CONCURRENCY = Math.max(2, Math.min(4, availableParallelism() * 2));

async function testFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const pattern of PATTERNS) {
    for await (const f of glob(pattern, {
      cwd: ROOT,
      exclude: (p) => p.includes('node_modules') || p.includes('fixtures'),
    })) {
      out.push(f);
    }
  }
  return out.sort();
}

async function main(): Promise<number> {
  const requested = process.argv.slice(2);
  const files = requested.length > 0 ? requested : await testFiles();
  const env = { ...process.env };
  let stopDb = async () => {};
  if (!env['TEST_DATABASE_URL']) {
    const home = join(ROOT, '.strongbox', `test-${process.pid}`);
    const server = await startEmbedded({ home, throwaway: true });
    env['TEST_DATABASE_URL'] = server.url;
    stopDb = () => server.stop();
    console.log(`test database: embedded PostgreSQL on port ${server.port} (throwaway)`);
  }
  const args = ['--test', `--test-concurrency=${CONCURRENCY}`, '--test-timeout=120000'];
  if (env['STRONGBOX_COVERAGE'] === '1') {
    await mkdir(join(ROOT, '.strongbox', 'coverage'), { recursive: true });
    args.push(
      '--experimental-test-coverage',
      '--test-coverage-exclude=**/*.test.ts',
      '--test-coverage-exclude=**/node_modules/**',
      '--test-coverage-exclude=scripts/fixtures/**',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=lcov',
      `--test-reporter-destination=${join(ROOT, '.strongbox', 'coverage', 'lcov.info')}`,
    );
  }
  const child = spawn(process.execPath, [...args, ...files], { cwd: ROOT, env, stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((done) => child.on('exit', (c, s) => done(c ?? (s ? 1 : 0))));
  await stopDb();
  return code;
}

try {
  process.exitCode = await main();
} catch (err) {
  // The embedded server failing to start is the common case (see EmbeddedStartError); any error of this
  // script is one line too, since the test runner has not started and no stack would help.
  const hint =
    err instanceof EmbeddedStartError
      ? '; set TEST_DATABASE_URL to a PostgreSQL server (15 or newer) to test against that instead'
      : '';
  console.error(`npm test: ${err instanceof Error ? err.message : String(err)}${hint}`);
  process.exitCode = 1;
}
