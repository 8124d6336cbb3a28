/**
 * Debian Chromium driven by playwright-core, as the browser tests use it: one browser per file, a fresh
 * context per flow, axe-core on every page visited and screenshots at phone and desktop width.
 *
 * Nothing here skips: a machine without Chromium fails with the command that installs it (`.ci/run` does).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import axe from 'axe-core';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's package, never a browser build downloaded by Playwright (the network has no such host). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  // Root in CI, where Chromium's sandbox cannot start.
  '--no-sandbox',
  '--disable-gpu',
  // No calls home: the machine reaches no host but the package registries.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

/** Gitignored; CI keeps what is left there as the run's artifacts. */
export const SCREENSHOT_DIR = join('test-artifacts', 'screenshots');

/** axe impacts that fail a page. */
const BLOCKING_IMPACTS: readonly string[] = ['serious', 'critical'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. Install Debian's package with ` +
        '"apt-get update && apt-get install -y --no-install-recommends chromium" (.ci/run does this), ' +
        'then run the browser tests again.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface BrowserSession {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly javaScriptEnabled: boolean;
  /** Content-Security-Policy refusals the browser reported on any page of this session. */
  readonly cspViolations: string[];
  /** Pages checked so far (axe, screenshots), by name. */
  readonly visited: string[];
  close(): Promise<void>;
}

/**
 * A fresh context (no cookies, no cache) at desktop width. The pages' own CSP stays in force: axe is
 * evaluated through the DevTools protocol, which a page's CSP does not govern, so no test needs `bypassCSP`
 * and a page that breaks its own policy shows up in `cspViolations`.
 */
export async function openSession(
  browser: Browser,
  options: { readonly javaScriptEnabled?: boolean } = {},
): Promise<BrowserSession> {
  const javaScriptEnabled = options.javaScriptEnabled ?? true;
  const context = await browser.newContext({ javaScriptEnabled, viewport: VIEWPORTS.desktop });
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return { context, page, javaScriptEnabled, cspViolations, visited: [], close: () => context.close() };
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null | undefined;
  readonly help: string;
  readonly targets: readonly string[];
}

/**
 * axe-core's violations on the session's page as it is now, at every impact.
 *
 * axe is evaluated through the protocol: a <script> from `addScriptTag` is refused by the pages' CSP
 * (`default-src 'none'`). With JavaScript off axe cannot run in the page at all (Chromium closes a page
 * whose evaluation waits on timers that never run), so the page's HTML, as the browser holds it, is served
 * again at the same URL to a JavaScript-enabled tab and checked there: same markup, same stylesheet.
 */
export async function axeViolations(session: BrowserSession): Promise<AxeViolation[]> {
  const { page } = session;
  if (session.javaScriptEnabled) return runAxe(page);
  const html = await page.content();
  const url = page.url();
  const checker = await page
    .context()
    .browser()
    ?.newContext({ viewport: page.viewportSize() ?? undefined });
  if (!checker) throw new Error('axe: the page has no browser to open a checker tab in');
  try {
    const tab = await checker.newPage();
    await tab.route(url, (route) => route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }));
    await tab.goto(url);
    return await runAxe(tab);
  } finally {
    await checker.close();
  }
}

async function runAxe(page: Page): Promise<AxeViolation[]> {
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(axe.source);
  const results = (await page.evaluate(
    'window.axe.run(document, { resultTypes: ["violations"] })',
  )) as axe.AxeResults;
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

/** The serious and critical violations only, which fail a page. */
export function blocking(violations: readonly AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => BLOCKING_IMPACTS.includes(String(v.impact)));
}

/** Full-page screenshots at phone and desktop width; returns their paths. The page is left at desktop width. */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const paths: string[] = [];
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    const path = join(SCREENSHOT_DIR, `${name}-${label}.png`);
    await page.screenshot({ path, fullPage: true });
    paths.push(path);
  }
  await page.setViewportSize(VIEWPORTS.desktop);
  return paths;
}

/** The page's main heading, as a person reads it. */
export async function heading(page: Page): Promise<string> {
  return ((await page.getByRole('heading', { level: 1 }).textContent()) ?? '').trim();
}

/**
 * Wait until the page's main heading says `name` (a form's answer may still be on its way after a click);
 * fails with the heading the page shows instead.
 */
export async function expectHeading(page: Page, name: string): Promise<void> {
  try {
    await page.getByRole('heading', { level: 1, name, exact: true }).waitFor({ timeout: 10_000 });
  } catch (error) {
    const shown = await heading(page).catch(() => '(none)');
    throw new Error(`Expected the page's heading "${name}", it shows "${shown}" at ${page.url()}`, {
      cause: error,
    });
  }
}

export interface PageCheck {
  /** Serious and critical axe violations: a page passes with none. */
  readonly serious: AxeViolation[];
  /** Every violation, for the report. */
  readonly all: AxeViolation[];
  readonly screenshots: string[];
}

/** What every visited page goes through: axe, then screenshots at both widths. */
export async function checkPage(session: BrowserSession, name: string): Promise<PageCheck> {
  const all = await axeViolations(session);
  const shots = await screenshots(session.page, name);
  session.visited.push(name);
  return { serious: blocking(all), all, screenshots: shots };
}
