import { describe, expect, it } from '@jest/globals';
import type { Figure, ReportInput } from '../types.js';
import { PUBLISHED_ANCHORS, publishedRows, renderHtml, renderMarkdown } from './index.js';
import {
  checkSvg,
  escapeHtml,
  escapeMarkdown,
  figureProtocol,
  fmtInterval,
  fmtMetric,
  fmtP,
  settingRows,
  SYNTHETIC_BANNER,
} from './format.js';
import {
  FAKE_PROTOCOLS,
  fakeReportInput,
  htmlProblems,
  markdownTableProblems,
  markdownTables,
  ODD_SUBJECT,
  tableCells,
  tinySvg,
} from './testing.js';

const count = (text: string, part: string) => text.split(part).length - 1;

/** The HTML of one section, from its `<section id>` to its end. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  expect(start).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('number formatting', () => {
  it('gives metrics 3 decimals and intervals "0.752 [0.70, 0.80]"', () => {
    expect(fmtMetric(0.75249)).toBe('0.752');
    expect(fmtMetric(1)).toBe('1.000');
    expect(fmtMetric(-0.0001)).toBe('0.000');
    expect(fmtMetric(null)).toBe('—');
    expect(fmtMetric(Number.NaN)).toBe('—');
    expect(fmtInterval({ estimate: 0.752, lower: 0.702, upper: 0.802 })).toBe('0.752 [0.70, 0.80]');
    expect(fmtInterval({ estimate: 0.5, lower: null, upper: null })).toBe('0.500 [—]');
  });

  it('gives p-values 3 significant digits, and "< 0.001" below that', () => {
    expect(fmtP(0.0000123)).toBe('< 0.001');
    expect(fmtP(0.000999)).toBe('< 0.001');
    expect(fmtP(0.001)).toBe('0.00100');
    expect(fmtP(0.0234)).toBe('0.0234');
    expect(fmtP(0.04567)).toBe('0.0457');
    expect(fmtP(0.5)).toBe('0.500');
    expect(fmtP(1)).toBe('1.00');
  });

  it('escapes HTML and Markdown', () => {
    expect(escapeHtml(`<s01&> "a" 'b'`)).toBe('&lt;s01&amp;&gt; &quot;a&quot; &#39;b&#39;');
    expect(escapeMarkdown('a|b <i>*x*</i>\nnext')).toBe('a\\|b \\<i\\>\\*x\\*\\</i\\> next');
    expect(escapeMarkdown('1. not a list')).toBe('1\\. not a list');
    expect(escapeMarkdown('- not a list')).toBe('\\- not a list');
    expect(escapeMarkdown('0.001')).toBe('0.001');
  });

  it('flattens training settings to key/value rows', () => {
    expect(
      settingRows({ epochs: 30, opt: { lr: 0.001, name: 'adam' }, w: [1, 2], off: false }),
    ).toEqual([
      ['epochs', '30'],
      ['opt.lr', '0.001'],
      ['opt.name', 'adam'],
      ['w', '1, 2'],
      ['off', 'false'],
    ]);
  });
});

describe('figure to section rule', () => {
  const ids = FAKE_PROTOCOLS.map((p) => p.id);

  it('files a figure under the protocol whose id is a whole "-"-separated part of its id', () => {
    expect(figureProtocol('confusion-random-70-15-15-hybrid', ids)).toBe('random-70-15-15');
    expect(figureProtocol('models-subject-kfold-3', ids)).toBe('subject-kfold-3');
    expect(figureProtocol('within-subject-trials-extra', ids)).toBe('within-subject-trials');
    expect(figureProtocol('protocols', ids)).toBeNull();
    // Not a whole part: 'subject-kfold-30' is not 'subject-kfold-3'.
    expect(figureProtocol('roc-subject-kfold-30-hybrid', ids)).toBeNull();
  });

  it('prefers the longest matching protocol id', () => {
    expect(figureProtocol('roc-subject-kfold-3-hybrid', ['kfold-3', 'subject-kfold-3'])).toBe(
      'subject-kfold-3',
    );
  });
});

describe('renderHtml', () => {
  const input = fakeReportInput();
  const html = renderHtml(input);

  it('passes the HTML sanity check', () => {
    expect(htmlProblems(html)).toEqual([]);
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org)/i);
  });

  it('shows the synthetic banner if and only if the data are synthetic', () => {
    expect(count(html, SYNTHETIC_BANNER)).toBe(1);
    expect(html.indexOf(SYNTHETIC_BANNER)).toBeLessThan(html.indexOf('<main>'));
    const real = renderHtml(fakeReportInput({ synthetic: false }));
    expect(real).not.toContain(SYNTHETIC_BANNER);
    expect(real).not.toContain('SYNTHETIC');
    expect(htmlProblems(real)).toEqual([]);
  });

  it('has every section', () => {
    for (const id of [
      'summary',
      'why',
      'data',
      'protocols',
      'results',
      'comparisons',
      'published',
      'training',
      'skipped',
      'reproduce',
      'other-figures',
    ]) {
      expect(html).toContain(`<section id="${id}">`);
    }
  });

  it('shows every figure once as <figure id="fig-…">, in its protocol\'s section or under Other figures', () => {
    for (const f of input.figures) {
      expect(count(html, `<figure id="fig-${f.id}">`)).toBe(1);
      expect(count(html, f.svg)).toBe(1);
    }
    expect(count(html, '<figure ')).toBe(input.figures.length);
    const results = section(html, 'results');
    for (const p of FAKE_PROTOCOLS) {
      const start = results.indexOf(`id="results-p-${p.id}"`);
      const end = results.indexOf('<div class="protocol-results"', start + 1);
      const own = results.slice(start, end === -1 ? undefined : end);
      expect(own).toContain(`<figure id="fig-confusion-${p.id}-hybrid">`);
      expect(own).toContain(`<figure id="fig-models-${p.id}">`);
      for (const q of FAKE_PROTOCOLS.filter((q) => q !== p)) {
        expect(own).not.toContain(`fig-models-${q.id}"`);
      }
    }
    expect(section(html, 'other-figures')).toContain('<figure id="fig-protocols">');
    expect(results).not.toContain('fig-protocols"');
  });

  it('omits "Other figures" when every figure belongs to a protocol', () => {
    const figures = input.figures.filter((f) => f.id !== 'protocols');
    const out = renderHtml(fakeReportInput({ figures }));
    expect(out).not.toContain('id="other-figures"');
    expect(htmlProblems(out)).toEqual([]);
  });

  it('escapes every text value', () => {
    expect(html).not.toContain(ODD_SUBJECT);
    expect(html).toContain('&lt;s01&amp;&gt;');
    expect(html).not.toContain('<b>subjects</b>');
    expect(html).toContain('&lt;b&gt;subjects&lt;/b&gt;');
    expect(html).toContain('patience &lt;5&gt; &amp; restore best');
    expect(html).toContain('# &lt;config&gt; beside this report');
    const evil = renderHtml(
      fakeReportInput({ title: '</title><script>alert(1)</script>', runId: '"><b>x</b>' }),
    );
    expect(evil).not.toMatch(/<script|<b>x/);
    expect(htmlProblems(evil)).toEqual([]);
  });

  it('says when the report was made, and leaves the date out when it is not given', () => {
    expect(html).toContain('· created 2025-11-24T12:00:00Z');
    const undated = fakeReportInput({ created: undefined });
    expect(renderHtml(undated)).not.toContain('created');
    expect(
      renderMarkdown(undated)
        .split('\n')
        .find((l) => l.startsWith('Run ')),
    ).toBe(`Run \`${undated.runId}\``);
  });

  it('shows the summary table with intervals, kappa, n and folds', () => {
    const s = section(html, 'summary');
    expect(s).toContain('0.752 [0.70, 0.80]');
    expect(s).toContain('[—]');
    // every model and both floors of every protocol
    expect(count(s, '<tr')).toBe(
      1 + input.evaluation.models.length + input.evaluation.floors.length,
    );
    expect(count(s, 'class="floor"')).toBe(input.evaluation.floors.length);
    expect(s).toContain('<em>floor: majority</em>');
    expect(count(s, 'class="group-start')).toBe(FAKE_PROTOCOLS.length - 1);
    const hybrid = input.evaluation.models[0];
    expect(s).toContain(`<td class="num">${fmtMetric(hybrid.metrics.kappa)}</td>`);
    expect(s).toContain('<td class="num">500</td>');
    expect(s).toContain('subjects, 1,000×, 95\u00a0%');
    expect(s).toContain('href="#fig-protocols"');
  });

  it('shows per-class, average and confusion tables per model', () => {
    const r = section(html, 'results');
    expect(count(r, 'class="per-class"')).toBe(input.evaluation.models.length);
    expect(count(r, 'class="confusion"')).toBe(input.evaluation.models.length);
    expect(count(r, '>macro avg<')).toBe(input.evaluation.models.length);
    expect(count(r, '>weighted avg<')).toBe(input.evaluation.models.length);
    expect(r).toContain('macro AUC');
    expect(r).toMatch(/<td class="num diag"[^>]*>90<\/td>/);
  });

  it('shows the protocols with folds, leakage verdicts and shared counts', () => {
    const p = section(html, 'protocols');
    expect(count(p, 'badge clean')).toBe(1);
    expect(count(p, 'badge leak')).toBe(2);
    expect(p).toContain('<td class="num">1,402</td>');
    expect(p).toContain('seed 42');
    expect(p).toContain('&lt;s01&amp;&gt;, s02, s03');
    const why = section(html, 'why');
    expect(why).toContain('test windows share subject, trial and stimulus with training');
    expect(why).toContain('overlap in time &amp; content: &quot;leakage&quot;.');
  });

  it('has one McNemar row per comparison, with formatted p-values', () => {
    const c = section(html, 'comparisons');
    expect(count(c, '<tr>')).toBe(1 + input.evaluation.comparisons.length);
    expect(c).toContain('Hybrid CNN-LSTM vs CNN-only (faces)');
    for (const p of ['&lt; 0.001', '0.0234', '0.500', '1.00', '0.0457', '0.123']) {
      expect(c).toContain(`<td class="num">${p}</td>`);
    }
    expect(c).toContain('exact binomial');
    expect(c).toMatch(/χ² = \d+\.\d\d \(corrected\)/);
  });

  it('puts a published number beside ours only for the same task, protocol kind, modality and data', () => {
    const anchor = {
      source: 'A paper, Table 2',
      setting: 'per participant, trials held out',
      value: 'F1 0.41',
      task: 'emotion5',
      protocolKind: 'within-subject' as const,
      modality: 'physiological',
      dataset: 'deap',
      metric: { name: 'macroF1' as const, value: 0.41 },
    };
    const base = fakeReportInput();
    const deapOnly = { data: base.data.filter((d) => d.dataset === 'deap') };
    const cases: [Partial<ReportInput>, string][] = [
      [{ synthetic: false, ...deapOnly }, 'comparable: same task'],
      [{ synthetic: true, ...deapOnly }, 'not comparable: this run is on SYNTHETIC data'],
      [
        { synthetic: false },
        'not comparable: the published number is on deap, this run on amigos + deap',
      ],
    ];
    for (const [over, verdict] of cases) {
      const rows = publishedRows(fakeReportInput({ ...over, published: [anchor] }));
      expect(rows[0].verdict).toContain(verdict);
    }
    const real = fakeReportInput({ synthetic: false, ...deapOnly, published: [anchor] });
    // beside RNN-only (physiological) under the within-subject protocol, as mean ± SD over subjects
    const ours = publishedRows(real)[0].ours ?? '';
    const rnn = real.evaluation.models.find(
      (m) => m.model === 'rnnOnly' && m.kind === 'within-subject',
    );
    expect(ours).toContain(
      `rnnOnly on ${rnn?.protocol}: F1 (macro) ${fmtMetric(rnn?.subjectMean.macroF1.mean)} ± 0.050`,
    );
    expect(ours).not.toContain('hybrid');
    for (const [change, why] of [
      [{ task: 'valence2' }, 'this run has no valence2 task'],
      [
        { protocolKind: 'subject-independent' as const, modality: 'EEG' },
        'no subject-independent result of a EEG model',
      ],
    ] as const) {
      const r = publishedRows({ ...real, published: [{ ...anchor, ...change }] })[0];
      expect(r.verdict).toContain(why);
      expect(r.ours).toBeNull();
    }
    // rows without a task are context, never put beside a result
    expect(
      publishedRows({ ...real, published: [{ source: 's', setting: 'x', value: 'v' }] })[0].verdict,
    ).toMatch(/^context/);
    expect(section(renderHtml(real), 'published')).toContain('class="comparable"');
    expect(section(html, 'published')).toContain('not comparable');
  });

  it("shows the literature's numbers (PUBLISHED_ANCHORS) escaped, as the pipeline passes them", () => {
    expect(PUBLISHED_ANCHORS.length).toBeGreaterThan(0);
    const withAnchors = renderHtml(fakeReportInput({ published: PUBLISHED_ANCHORS }));
    for (const a of PUBLISHED_ANCHORS) {
      expect(section(withAnchors, 'published')).toContain(escapeHtml(a.source));
      expect(section(withAnchors, 'published')).toContain(escapeHtml(a.setting));
    }
    expect(section(withAnchors, 'published')).toContain('the study&#39;s 70/15/15');
  });

  it('shows training settings, skipped items and the commands', () => {
    expect(section(html, 'training')).toContain('<code>optimizer.learningRate</code>');
    expect(section(html, 'skipped')).toContain('no face video for the trial');
    expect(section(renderHtml(fakeReportInput({ skipped: [] })), 'skipped')).toContain(
      'Nothing skipped.',
    );
    expect(section(html, 'reproduce')).toMatch(
      /<pre><code>npx --yes pnpm@10\.34\.9 install --frozen-lockfile\nnpx/,
    );
  });

  it('rejects an SVG that could break out of the page', () => {
    const bad = (svg: string): ReportInput => {
      const figures: Figure[] = [...input.figures];
      figures[1] = { ...figures[1], svg };
      return fakeReportInput({ figures });
    };
    const id = input.figures[1].id;
    expect(() => renderHtml(bad(`<svg><text></script><script>x</script></text></svg>`))).toThrow(
      new RegExp(`figure '${id}' has unsafe SVG .*<script`),
    );
    expect(() => renderHtml(bad('<svg><rect/></svg><html><body>x</body></html>'))).toThrow(/<html/);
    expect(() => renderHtml(bad('<div>not svg</div>'))).toThrow(/does not start with <svg/);
    expect(() => renderHtml(bad('<svg><rect onload="x()"/></svg>'))).toThrow(/event handler/);
    expect(() => checkSvg({ id: 'x', title: '', caption: '', svg: tinySvg('ok') })).not.toThrow();
  });

  it("shows a task's own figures in the tasks section, checked like the others", () => {
    const figure: Figure = {
      id: 'valence2-subjects-subject-loso',
      title: 'valence2: Macro F1 of each held-out subject',
      caption: 'per subject',
      svg: tinySvg('valence2'),
    };
    const withTasks = (f: Figure): ReportInput =>
      fakeReportInput({
        tasks: [
          { task: 'emotion5', description: '', evaluation: input.evaluation, labels: [] },
          {
            task: 'valence2',
            description: '',
            evaluation: input.evaluation,
            labels: [],
            figures: [f],
          },
        ],
      });
    const out = renderHtml(withTasks(figure));
    expect(htmlProblems(out)).toEqual([]);
    expect(count(section(out, 'tasks'), `<figure id="fig-${figure.id}">`)).toBe(1);
    expect(count(out, figure.svg)).toBe(1);
    const md = renderMarkdown(withTasks(figure));
    const tasksMd = md.slice(md.indexOf('## Tasks side by side'), md.indexOf('## Why'));
    expect(count(tasksMd, `](figures/${figure.id}.svg)`)).toBe(1);
    expect(() => renderHtml(withTasks({ ...figure, id: input.figures[0].id }))).toThrow(
      /two figures/,
    );
    expect(() => renderHtml(withTasks({ ...figure, svg: '<svg><script/></svg>' }))).toThrow(
      /unsafe SVG/,
    );
  });

  it('rejects duplicate or unsafe figure ids', () => {
    const f = input.figures[0];
    expect(() => renderHtml(fakeReportInput({ figures: [f, f] }))).toThrow(/two figures/);
    expect(() => renderHtml(fakeReportInput({ figures: [{ ...f, id: '../x"y' }] }))).toThrow(
      /not a file name/,
    );
  });
});

describe('renderMarkdown', () => {
  const input = fakeReportInput();
  const md = renderMarkdown(input);

  it('starts with the synthetic banner as a blockquote, only when synthetic', () => {
    expect(md.startsWith(`> **${SYNTHETIC_BANNER}**`)).toBe(true);
    expect(count(md, SYNTHETIC_BANNER)).toBe(1);
    const real = renderMarkdown(fakeReportInput({ synthetic: false }));
    expect(real).not.toContain('SYNTHETIC');
    expect(real.startsWith('# ')).toBe(true);
  });

  it('has the same sections as the page', () => {
    for (const h of [
      'Summary',
      'Why the protocols differ',
      'Data',
      'Protocols',
      'Results per protocol',
      'Model comparisons',
      'Published numbers',
      'Training',
      'Skipped',
      'How to reproduce',
      'Other figures',
    ]) {
      expect(md).toContain(`\n## ${h}\n`);
    }
  });

  it('has tables whose lines all have the same number of cells', () => {
    const tables = markdownTables(md);
    // summary, tasks side by side, data, 3 protocols, 9 × (per-class + confusion), comparisons,
    // published, training, skipped
    expect(tables).toHaveLength(1 + 1 + 1 + 3 + 18 + 1 + 1 + 1 + 1);
    expect(markdownTableProblems(md)).toEqual([]);
    expect(markdownTableProblems('| a | b |\n| --- | --- |\n| 1 | 2 | 3 |')).toHaveLength(1);
  });

  it('references every figure as ![title](figures/<id>.svg), or under figureDir', () => {
    for (const f of input.figures) {
      expect(count(md, `](figures/${f.id}.svg)`)).toBe(1);
    }
    expect(md).toContain('![Models × protocols](figures/protocols.svg)');
    const other = renderMarkdown(input, { figureDir: 'img/' });
    expect(other).toContain('![Models × protocols](img/protocols.svg)');
    expect(md).not.toContain('<svg');
  });

  it('escapes text values and formats numbers', () => {
    expect(md).not.toContain(ODD_SUBJECT);
    expect(md).toContain('\\<s01\\&\\>');
    expect(md).toContain('0.752 [0.70, 0.80]');
    expect(md).toContain('\\< 0.001');
    const summary = markdownTables(md)[0];
    expect(tableCells(summary[0])).toEqual([
      'Model',
      'Protocol',
      'Accuracy \\[CI\\]',
      'Macro F1 \\[CI\\]',
      'Kappa',
      'n',
      'Folds',
      'Bootstrap',
    ]);
    expect(summary).toHaveLength(
      2 + input.evaluation.models.length + input.evaluation.floors.length,
    );
  });

  it('has one McNemar row per comparison', () => {
    const mc = markdownTables(md).find((t) => t[0].includes('A vs B'))!;
    expect(mc).toHaveLength(2 + input.evaluation.comparisons.length);
    expect(tableCells(mc[2])).toEqual([
      '`random-70-15-15`',
      'Hybrid CNN-LSTM vs CNN-only (faces)',
      '0.752',
      '0.600',
      '20',
      '4',
      '500',
      'exact binomial',
      '\\< 0.001',
    ]);
  });

  it('keeps the commands in a code block', () => {
    expect(md).toContain(
      '```sh\nnpx --yes pnpm@10.34.9 install --frozen-lockfile\nnpx --yes pnpm@10.34.9 emo full',
    );
  });
});
