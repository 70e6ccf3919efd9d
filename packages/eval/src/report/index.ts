// The report: one self-contained HTML page and a Markdown summary of an evaluation.
// (The headless-browser check, browser-check.ts, is for tests and is not exported here.)
export { escapeHtml } from './format.js';
export { renderHtml } from './html.js';
export { renderMarkdown } from './markdown.js';
export type { MarkdownOptions } from './markdown.js';
export { MODEL_MODALITY, PUBLISHED_ANCHORS } from './published.js';
export { publishedRows } from './compare.js';
export type { PublishedRow } from './compare.js';
export { baselineNotes, protocolNotes } from './notes.js';
