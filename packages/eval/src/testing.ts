// Test helpers of @emo/eval for other packages' tests (`@emo/eval/testing`; not part of the
// runtime API): open a report in real headless Chromium. playwright-core, a devDependency,
// is imported only when a check runs.
export {
  CHROMIUM_ARGS,
  checkReportInBrowser,
  chromiumAvailability,
} from './report/browser-check.js';
export type { BrowserCheckOptions, BrowserCheckResult } from './report/browser-check.js';
