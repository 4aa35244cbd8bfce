// Enforces the dependency rules of brief §3: domain imports only kernel, features receive
// infrastructure (the bank client included) as ports, services never import each other, packages never
// import services (a package's tests may start one through its test-support.ts).
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export type Violation = { file: string; line: number; specifier: string; rule: string; message: string };

type Token = { kind: 'id' | 'str' | 'tpl' | 'punct'; value: string; line: number };
type Import = { specifier: string; line: number };

// Keywords after which a slash starts a regular expression rather than a division.
const REGEX_AFTER = new Set(
  'return typeof instanceof in of new delete void throw case do else yield await'.split(' '),
);

// A tiny lexer is enough to tell code from comments, strings, templates and regex literals, so an
// import written inside a comment or a string is never mistaken for a real one.
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const resume: number[] = [];
  let depth = 0;
  let line = 1;
  let i = src.startsWith('#!') ? src.indexOf('\n') : 0;
  if (i < 0) return out;
  const skipTemplate = (): void => {
    while (i < src.length) {
      const c = src[i];
      if (c === '`' || (c === '$' && src[i + 1] === '{')) {
        if (c === '$') resume.push(depth);
        i += c === '$' ? 2 : 1;
        return;
      }
      if (c === '\n') line++;
      i += c === '\\' && src[i + 1] !== '\n' ? 2 : 1;
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    const start = i;
    const prev = out.at(-1);
    if (c === '\n') line++;
    if (/\s/.test(c)) i++;
    else if (c === '/' && src[i + 1] === '/') i = src.includes('\n', i) ? src.indexOf('\n', i) : src.length;
    else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
      line += countLines(src, start, i);
    } else if (c === '"' || c === "'") {
      i++;
      while (i < src.length && src[i] !== c && src[i] !== '\n') {
        if (src[i] === '\\' && src[i + 1] === '\n') line++;
        i += src[i] === '\\' ? 2 : 1;
      }
      out.push({ kind: 'str', value: src.slice(start + 1, i), line });
      if (src[i] === c) i++;
    } else if (c === '`' || (c === '}' && resume.at(-1) === depth)) {
      if (c === '}') resume.pop();
      else out.push({ kind: 'tpl', value: '', line });
      i++;
      skipTemplate();
    } else if (c === '/' && regexAllowed(prev) && scanRegex(src, i) > 0) {
      i = scanRegex(src, i);
      out.push({ kind: 'tpl', value: '', line });
    } else if (/[\w$]/.test(c)) {
      while (i < src.length && /[\w$]/.test(src[i]!)) i++;
      out.push({ kind: 'id', value: src.slice(start, i), line });
    } else {
      if (c === '{') depth++;
      if (c === '}') depth--;
      const optional = c === '?' && src[i + 1] === '.';
      i += optional ? 2 : 1;
      out.push({ kind: 'punct', value: optional ? '?.' : c, line });
    }
  }
  return out;
}

function countLines(src: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) if (src[k] === '\n') n++;
  return n;
}

function regexAllowed(prev: Token | undefined): boolean {
  if (!prev) return true;
  if (prev.kind === 'id') return REGEX_AFTER.has(prev.value);
  if (prev.kind !== 'punct') return false;
  return prev.value !== ')' && prev.value !== ']';
}

// Returns the index after a regex literal starting at `from`, or -1 when the line ends first.
function scanRegex(src: string, from: number): number {
  let inClass = false;
  for (let i = from + 1; i < src.length; i++) {
    const c = src[i];
    if (c === '\n') return -1;
    if (c === '\\') i++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) {
      let end = i + 1;
      while (end < src.length && /[a-z]/.test(src[end]!)) end++;
      return end;
    }
  }
  return -1;
}

function skipGroup(t: Token[], j: number): number {
  let level = 0;
  for (; j < t.length; j++) {
    if (t[j]!.value === '{' && t[j]!.kind === 'punct') level++;
    if (t[j]!.value === '}' && t[j]!.kind === 'punct' && --level === 0) return j + 1;
  }
  return j;
}

// Finds `from '<specifier>'` after an import or export clause; clause tokens are names, commas,
// `*` and brace groups, so anything else means this was not a module declaration.
function fromClause(t: Token[], j: number): Token | undefined {
  while (j < t.length) {
    const tok = t[j]!;
    if (tok.kind === 'id' && tok.value === 'from' && t[j + 1]?.kind === 'str') return t[j + 1];
    if (tok.value === '{' && tok.kind === 'punct') j = skipGroup(t, j);
    else if (tok.kind === 'id' || tok.value === '*' || tok.value === ',') j++;
    else return undefined;
  }
  return undefined;
}

export function findImports(src: string): Import[] {
  const t = tokenize(src);
  const found: Import[] = [];
  const add = (tok: Token | undefined): void => {
    if (tok?.kind === 'str') found.push({ specifier: tok.value, line: tok.line });
  };
  for (let k = 0; k < t.length; k++) {
    const tok = t[k]!;
    const prev = t[k - 1];
    // A member access such as `x.import(...)` or `import.meta` is not a module reference.
    if (tok.kind !== 'id' || (prev?.kind === 'punct' && /^\??\.$/.test(prev.value))) continue;
    const next = t[k + 1];
    if (tok.value === 'import' || tok.value === 'require') {
      if (next?.value === '(' && next.kind === 'punct') add(t[k + 2]);
      else if (tok.value === 'import' && next?.kind === 'str') add(next);
      else if (tok.value === 'import') add(fromClause(t, k + 1));
    } else if (tok.value === 'export') {
      const j = next?.value === 'type' ? k + 2 : k + 1;
      if (t[j]?.value === '*' || t[j]?.value === '{') add(fromClause(t, j));
    }
  }
  return found;
}

export async function listSourceFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') await walk(full);
      else if (e.isFile() && e.name.endsWith('.ts')) files.push(full);
    }
  };
  for (const group of ['packages', 'services']) {
    for (const name of await subdirs(path.join(root, group))) await walk(path.join(root, group, name, 'src'));
  }
  return files.sort();
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && e.name !== 'node_modules').map((e) => e.name);
}

const toPosix = (p: string): string => p.split(path.sep).join('/');

type Workspaces = { services: Set<string>; packages: Set<string> };

// Maps a specifier to a repository-relative path, or null for third-party and built-in modules.
// Workspace subpaths follow the `"./*": "./src/*.ts"` export convention of our package.json files.
function resolveTarget(root: string, file: string, spec: string, ws: Workspaces): string | null {
  if (/^(\.\.?(\/|$)|\/)/.test(spec))
    return toPosix(path.relative(root, path.resolve(path.dirname(file), spec)));
  const m = /^@strongbox\/([^/]+)(?:\/(.*))?$/.exec(spec);
  if (!m) return null;
  const group = ws.services.has(m[1]!) ? 'services' : ws.packages.has(m[1]!) ? 'packages' : null;
  return group && `${group}/${m[1]}/src/${m[2] ?? ''}`;
}

// A package's tests may start a service as a fixture through that service's test-support.ts (the bank
// client's tests run against the real bank sandbox); the package's own code still never imports a service.
function isServiceTestSupport(rel: string, target: string): boolean {
  const isTest = rel.endsWith('.test.ts') || rel.endsWith('/test-support.ts');
  return isTest && /^services\/[^/]+\/src\/test-support(\.ts)?$/.test(target);
}

// The bank client does I/O: a service's use cases get it as a port, so their tests can stand in for the bank.
const isBankClient = (spec: string): boolean =>
  spec === '@strongbox/bank-client' || spec.startsWith('@strongbox/bank-client/');

function rulesFor(rel: string, spec: string, target: string | null, ws: Workspaces): [string, string][] {
  const [group, owner, src, area] = rel.split('/');
  const hits: [string, string][] = [];
  const [targetGroup, targetName] = target?.split('/') ?? [];
  const targetService = targetGroup === 'services' && ws.services.has(targetName!) ? targetName : undefined;
  const isRelative = spec.startsWith('.');
  if (group === 'services' && src === 'src' && area === 'domain') {
    const domain = `services/${owner}/src/domain/`;
    const inDomain = isRelative && target?.startsWith(domain);
    const kernel = spec === '@strongbox/kernel' || spec.startsWith('@strongbox/kernel/');
    const testTool = rel.endsWith('.test.ts') && /^(node:test|node:assert(\/strict)?|fast-check)$/.test(spec);
    if (!inDomain && !kernel && !testTool) {
      hits.push(['domain-purity', `domain may import only its own domain files and @strongbox/kernel`]);
    }
  }
  if (group === 'services' && targetService && targetService !== owner) {
    hits.push(['service-isolation', `service '${owner}' must not import code of service '${targetService}'`]);
  }
  if (group === 'packages' && targetService && !isServiceTestSupport(rel, target!)) {
    hits.push(['packages-no-services', `package '${owner}' must not import service '${targetService}'`]);
  }
  if (group === 'services' && src === 'src' && area === 'features' && isBankClient(spec)) {
    hits.push([
      'bank-behind-port',
      'features reach the bank through a port; infra/ and app.ts hold the bank client',
    ]);
  }
  if (group === 'services' && src === 'src' && area === 'features' && target) {
    const base = `services/${owner}/src/`;
    if (target.startsWith(`${base}infra/`) || target.replace(/\.[jt]s$/, '') === `${base}main`) {
      hits.push(['features-layering', 'features get infrastructure as ports, not from infra/ or main.ts']);
    }
  }
  return hits;
}

export async function checkFiles(root: string, files: string[]): Promise<Violation[]> {
  const ws: Workspaces = {
    services: new Set(await subdirs(path.join(root, 'services'))),
    packages: new Set(await subdirs(path.join(root, 'packages'))),
  };
  const violations: Violation[] = [];
  for (const file of files) {
    const rel = toPosix(path.relative(root, file));
    for (const { specifier, line } of findImports(await readFile(file, 'utf8'))) {
      const target = resolveTarget(root, file, specifier, ws);
      for (const [rule, why] of rulesFor(rel, specifier, target, ws)) {
        violations.push({ file: rel, line, specifier, rule, message: `'${specifier}': ${why}` });
      }
    }
  }
  return violations;
}

export async function checkDependencies(root: string): Promise<Violation[]> {
  return checkFiles(root, await listSourceFiles(root));
}

if (import.meta.main) {
  const root = path.resolve(import.meta.dirname, '..');
  // Failing here means the script was moved away from scripts/, which would silently scan nothing.
  await stat(path.join(root, 'package.json'));
  const files = await listSourceFiles(root);
  const violations = await checkFiles(root, files);
  for (const v of violations) console.log(`${v.file}:${v.line}  ${v.rule}  ${v.message}`);
  if (violations.length > 0) {
    console.log(`check-deps: ${violations.length} violation(s) in ${files.length} files`);
    process.exitCode = 1;
  } else {
    console.log(`check-deps: OK, ${files.length} files scanned, no dependency rule violations`);
  }
}
