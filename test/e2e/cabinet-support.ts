/**
 * The browser side of the cabinet's end-to-end test: Debian's Chromium driven by playwright-core, axe-core
 * run inside the page, and the build of the cabinet when a checkout has not built it yet.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');
const BUILD_TIMEOUT_MS = 120_000;
/** Every wait for the page is bounded by this; a loaded machine is slow, never this slow. */
export const UI_TIMEOUT_MS = 30_000;

/**
 * Flags for a quiet, throwaway browser: no sandbox (CI runs as root), no GPU, no network of its own
 * (QUIC, background fetches, component updates, sync), and a fresh profile in an empty folder.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** npm install builds the cabinet; a checkout where that did not run builds it here, once. */
export async function ensureCabinetBuilt(): Promise<void> {
  if (existsSync(join(ROOT, 'apps/cabinet/dist/index.html'))) return;
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/cabinet/vite.config.ts'],
    { cwd: ROOT, timeout: BUILD_TIMEOUT_MS },
  );
}

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Messages the browser logged about a refused Content-Security-Policy (must stay empty). */
  readonly cspViolations: string[];
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'cabinet-chromium-'));
  // playwright passes the empty folder as --user-data-dir (launch() refuses the flag among args).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 860 },
    locale: 'ru-RU',
    timeout: UI_TIMEOUT_MS,
  });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    cspViolations,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

/** How often untilInPage asks the page again. */
const IN_PAGE_POLL_MS = 100;

/**
 * Waits until `expression` is true in the page, asking through the browser's protocol (which the page's
 * Content-Security-Policy does not govern) every IN_PAGE_POLL_MS, at most `timeoutMs`. Playwright's
 * waitForFunction with a string asks once that way and then polls inside the page with eval, which the
 * cabinet's CSP refuses: it passed only when the first answer was already true.
 */
export async function untilInPage(page: Page, expression: string, timeoutMs = UI_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await page.evaluate(expression)) return;
    if (Date.now() > deadline) throw new Error(`not true in the page within ${timeoutMs} ms: ${expression}`);
    await new Promise((r) => setTimeout(r, IN_PAGE_POLL_MS));
  }
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: number;
}

/**
 * axe-core's serious and critical violations on the page as it is now (WCAG 2 A and AA, and best
 * practices). The library is evaluated through the debugging protocol, which the page's CSP does not
 * govern, so the cabinet's policy stays as strict in the test as in production.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  // A string, not a function: this file is checked without the DOM's types, and axe is a page global.
  const result = (await page.evaluate(`axe.run(document, ${JSON.stringify(AXE_OPTIONS)})`)) as AxeResult;
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
}
const AXE_OPTIONS = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
};
interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }>;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

// The gateway's merged OpenAPI document, as far as the check of the cabinet's calls reads it.
export interface Schema {
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}
export interface OpenApi {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>
  >;
  components?: { schemas?: Record<string, Schema> };
}

export function resolveRef(doc: OpenApi, s: Schema | undefined): Schema | undefined {
  if (!s?.$ref) return s;
  const name = s.$ref.split('/').at(-1) ?? '';
  return doc.components?.schemas?.[name];
}

/** Property names a schema describes; for a union, those of any branch (/v1/me: a user or a service). */
export function fieldNames(doc: OpenApi, schema: Schema | undefined): Set<string> {
  const s = resolveRef(doc, schema);
  if (!s) return new Set();
  const branches = s.anyOf ?? s.oneOf;
  if (branches) {
    return new Set(branches.flatMap((b) => [...fieldNames(doc, b)]));
  }
  const out = new Set(Object.keys(s.properties ?? {}));
  for (const part of s.allOf ?? []) for (const n of fieldNames(doc, part)) out.add(n);
  return out;
}
