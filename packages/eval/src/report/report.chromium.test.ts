/**
 * The report in real headless Chromium: no console error, page error or failed request, every
 * figure drawn at a visible size, no duplicate id, no sideways scrolling; a full-page screenshot
 * is kept as a test artefact (test-artifacts/report.png, with the page beside it).
 *
 * Chromium comes from EMO_CHROMIUM (default /usr/bin/chromium). Without it the suite is skipped,
 * unless EMO_REQUIRE_CHROMIUM=1, where it fails and says how to install it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserCheckResult } from './browser-check.js';
import { checkReportInBrowser, chromiumAvailability } from './browser-check.js';
import { renderHtml } from './index.js';
import { fakeReportInput } from './testing.js';

const chromium = chromiumAvailability();
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const SCREENSHOT = join(ARTIFACTS, 'report.png');

if (!chromium.available && chromium.required) {
  describe('report in headless Chromium', () => {
    it('needs Chromium (EMO_REQUIRE_CHROMIUM=1)', () => {
      throw new Error(`EMO_REQUIRE_CHROMIUM=1 but ${chromium.missingMessage}`);
    });
  });
}

const suite = chromium.available ? describe : describe.skip;
const name = chromium.available
  ? 'report in headless Chromium'
  : `report in headless Chromium (skipped: no Chromium at ${chromium.path})`;

suite(name, () => {
  const input = fakeReportInput();
  let dir: string;
  let result: BrowserCheckResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'emo-report-'));
    const page = join(dir, 'report.html');
    writeFileSync(page, renderHtml(input));
    result = await checkReportInBrowser(page, SCREENSHOT, { executablePath: chromium.path });
    mkdirSync(ARTIFACTS, { recursive: true });
    copyFileSync(page, join(ARTIFACTS, 'report.html'));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads without console errors, page errors or requests outside the file', () => {
    expect(result.consoleErrors).toEqual([]);
    expect(result.externalRequests).toEqual([]);
  });

  it('draws every figure at a visible size, with drawn elements', () => {
    expect(result.figures.map((f) => f.id).sort()).toEqual(input.figures.map((f) => f.id).sort());
    for (const f of result.figures) {
      expect({ id: f.id, visible: f.width > 10 && f.height > 10 }).toEqual({
        id: f.id,
        visible: true,
      });
      expect({ id: f.id, drawn: f.elements > 0 }).toEqual({ id: f.id, drawn: true });
    }
  });

  it('has unique ids and does not scroll sideways', () => {
    expect(result.duplicateIds).toEqual([]);
    expect(result.scrollWidth).toBeLessThanOrEqual(result.viewportWidth);
  });

  it('saves a full-page screenshot', () => {
    expect(result.screenshot).toBe(SCREENSHOT);
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });
});
