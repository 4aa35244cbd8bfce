// Prints line coverage per workspace from an lcov file, so a CI log shows at a glance which
// package or service lacks tests. Usage: node scripts/coverage-summary.ts <lcov.info> [root]
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type Row = { workspace: string; hit: number; found: number };

// Groups a source path by its workspace folder; paths are made relative to the repository root
// first, because node's lcov reporter writes absolute paths.
export function workspaceOf(file: string, root: string): string {
  const rel = path.isAbsolute(file) ? path.relative(root, file) : file;
  const m = /^(packages|services)\/([^/]+)\//.exec(rel.split(path.sep).join('/'));
  return m ? `${m[1]}/${m[2]}` : 'other';
}

export function summarize(lcov: string, root: string): Row[] {
  const rows = new Map<string, Row>();
  let file = '';
  let found: number | undefined;
  let hit: number | undefined;
  let daFound = 0;
  let daHit = 0;
  for (const raw of lcov.split('\n')) {
    const line = raw.trim();
    const colon = line.indexOf(':');
    const key = colon < 0 ? line : line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (key === 'SF') [file, found, hit, daFound, daHit] = [value, undefined, undefined, 0, 0];
    else if (key === 'LF') found = Number(value);
    else if (key === 'LH') hit = Number(value);
    else if (key === 'DA') {
      daFound++;
      if (Number(value.split(',')[1]) > 0) daHit++;
    } else if (line === 'end_of_record' && file && !file.endsWith('.test.ts')) {
      // LF/LH are optional in lcov, so the DA lines are the fallback count.
      const workspace = workspaceOf(file, root);
      const row = rows.get(workspace) ?? { workspace, hit: 0, found: 0 };
      row.found += found ?? daFound;
      row.hit += hit ?? daHit;
      rows.set(workspace, row);
    }
  }
  const order = (w: string): string => (w === 'other' ? `~${w}` : w);
  return [...rows.values()].sort((a, b) => order(a.workspace).localeCompare(order(b.workspace)));
}

/** Workspaces (packages and services, not `other`) whose line coverage is under `minPct`. */
export function belowMinimum(rows: readonly Row[], minPct: number | undefined): string[] {
  if (minPct === undefined) return [];
  return rows
    .filter((r) => r.workspace !== 'other' && r.found > 0 && (100 * r.hit) / r.found < minPct)
    .map((r) => r.workspace);
}

export function formatTable(rows: Row[]): string {
  const total: Row = { workspace: 'total', hit: 0, found: 0 };
  for (const r of rows) {
    total.hit += r.hit;
    total.found += r.found;
  }
  const cells = [...rows, total].map((r) => [
    r.workspace,
    `${r.hit}/${r.found}`,
    r.found === 0 ? 'n/a' : `${Math.round((1000 * r.hit) / r.found) / 10}%`,
  ]);
  const all = [['package', 'lines-covered/lines-found', 'pct'], ...cells];
  const widths = [0, 1, 2].map((c) => Math.max(...all.map((r) => r[c]!.length)));
  return all
    .map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padStart(widths[1]!)}  ${r[2]!.padStart(widths[2]!)}`)
    .join('\n');
}

if (import.meta.main) {
  const [file, root = process.cwd(), minArg] = process.argv.slice(2);
  if (!file) {
    console.error(
      'usage: node scripts/coverage-summary.ts <lcov.info> [root] [minimum line % per workspace]',
    );
    process.exit(2);
  }
  const rows = summarize(await readFile(file, 'utf8'), path.resolve(root));
  console.log(formatTable(rows));
  const below = belowMinimum(rows, minArg === undefined ? undefined : Number(minArg));
  if (below.length > 0) {
    console.error(`line coverage below ${minArg}%: ${below.join(', ')}`);
    process.exit(3);
  }
}
