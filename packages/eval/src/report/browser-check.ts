/**
 * Opens a report page in real headless Chromium and tells what a reader would meet: console
 * errors, uncaught page errors, failed or external requests, the size and content of every
 * figure's SVG, duplicate ids, horizontal overflow; and saves a full-page screenshot.
 *
 * For tests only (the report's own test and end-to-end tests of other packages). playwright-core
 * is a devDependency, so it is imported dynamically here and this file is not part of the
 * package's runtime index.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The Chromium used when EMO_CHROMIUM is not set (Debian's `apt-get install chromium`). */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Command-line switches for a quiet, offline, sandbox-free headless Chromium (CI, containers). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where Chromium is and whether the tests must have it. */
export interface ChromiumAvailability {
  /** EMO_CHROMIUM, else DEFAULT_CHROMIUM. */
  readonly path: string;
  /** The file exists. */
  readonly available: boolean;
  /** EMO_REQUIRE_CHROMIUM=1: a missing Chromium fails the tests instead of skipping them. */
  readonly required: boolean;
  /** What to tell a reader when it is missing. */
  readonly missingMessage: string;
}

export function chromiumAvailability(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ChromiumAvailability {
  const path = env['EMO_CHROMIUM'] || DEFAULT_CHROMIUM;
  return {
    path,
    available: existsSync(path),
    required: env['EMO_REQUIRE_CHROMIUM'] === '1',
    missingMessage: `no Chromium at ${path}: install it with \`apt-get install chromium\` (Debian/Ubuntu) or set EMO_CHROMIUM to its executable`,
  };
}

/** One `<figure>` of the page as drawn. */
export interface FigureCheck {
  /** The figure element's id without its `fig-` prefix (the report's Figure.id). */
  readonly id: string;
  /** Bounding box of the figure's first `svg` in CSS pixels; 0 × 0 when it has none. */
  readonly width: number;
  readonly height: number;
  /** Drawn elements in the SVG (path, rect, circle, ellipse, line, polyline, polygon, text, image, use). */
  readonly elements: number;
}

export interface BrowserCheckResult {
  /**
   * Everything that went wrong while loading, each prefixed with its kind: `console: …`
   * (console messages of type error), `pageerror: …` (uncaught exceptions) and
   * `requestfailed: …` (failed requests, including any request outside the report file, which
   * is aborted: a self-contained page makes none). Empty for a good page.
   */
  readonly consoleErrors: string[];
  /** URLs the page asked for other than the report file itself (aborted). */
  readonly externalRequests: string[];
  readonly figures: FigureCheck[];
  /** Element ids that occur more than once in the page. */
  readonly duplicateIds: string[];
  /** Document width against the viewport's: a wider document scrolls sideways. */
  readonly scrollWidth: number;
  readonly viewportWidth: number;
  /** Absolute path of the full-page PNG screenshot. */
  readonly screenshot: string;
}

/** What PAGE_FACTS returns. */
type PageFacts = Pick<
  BrowserCheckResult,
  'figures' | 'duplicateIds' | 'scrollWidth' | 'viewportWidth'
>;

/**
 * Runs in the page (a string, as the package is compiled without the DOM library): every
 * figure's SVG box and drawn elements, duplicate ids and the document's width.
 */
const PAGE_FACTS = `(() => {
  const drawn = 'path, rect, circle, ellipse, line, polyline, polygon, text, image, use';
  const figures = [...document.querySelectorAll('figure')].map((f) => {
    const svg = f.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : null;
    return {
      id: f.id.replace(/^fig-/, ''),
      width: box ? box.width : 0,
      height: box ? box.height : 0,
      elements: svg ? svg.querySelectorAll(drawn).length : 0,
    };
  });
  const counts = new Map();
  for (const el of document.querySelectorAll('[id]')) counts.set(el.id, (counts.get(el.id) || 0) + 1);
  return {
    figures,
    duplicateIds: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    scrollWidth: document.documentElement.scrollWidth,
    viewportWidth: document.documentElement.clientWidth,
  };
})()`;

export interface BrowserCheckOptions {
  /** Chromium executable; default chromiumAvailability().path. */
  readonly executablePath?: string;
  /** Viewport, default 1280 × 900 CSS pixels. */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Limit for launching and loading, default 30 s each. */
  readonly timeoutMs?: number;
}

/**
 * Opens `htmlPath` (a local file) in headless Chromium, collects errors and figure sizes, and
 * writes a full-page screenshot to `screenshotPath` (its folder is created).
 */
export async function checkReportInBrowser(
  htmlPath: string,
  screenshotPath: string,
  options: BrowserCheckOptions = {},
): Promise<BrowserCheckResult> {
  const file = resolve(htmlPath);
  const screenshot = resolve(screenshotPath);
  const executablePath = options.executablePath ?? chromiumAvailability().path;
  const viewport = options.viewport ?? { width: 1280, height: 900 };
  const timeout = options.timeoutMs ?? 30_000;
  if (!existsSync(file)) throw new Error(`browser check: no report at ${file}`);

  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch (e) {
    throw new Error(
      'browser check: playwright-core is not installed (it is a devDependency of @emo/eval)',
      { cause: e },
    );
  }
  const browser = await playwright.chromium
    .launch({ executablePath, args: [...CHROMIUM_ARGS], timeout })
    .catch((e: unknown) => {
      throw new Error(`browser check: could not start Chromium at ${executablePath}`, {
        cause: e,
      });
    });
  try {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const url = pathToFileURL(file).href;
    const consoleErrors: string[] = [];
    const externalRequests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) =>
      consoleErrors.push(`requestfailed: ${r.url()} (${r.failure()?.errorText ?? 'failed'})`),
    );
    await page.route('**/*', (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      externalRequests.push(u);
      return route.abort('blockedbyclient');
    });
    await page.goto(url, { waitUntil: 'load', timeout });

    const found = await page.evaluate<PageFacts>(PAGE_FACTS);
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true, timeout });
    await context.close();
    return { consoleErrors, externalRequests, ...found, screenshot };
  } finally {
    await browser.close();
  }
}
