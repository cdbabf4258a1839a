/**
 * Human-readable forms of an {@link EvalReport}: a Markdown table shaped like the paper's Tables 1–2
 * (FineRouter arXiv 2603.19415; rows = methods, columns = sources, the macro "Ave" and the overall mean) and
 * SVG figures (the cost–quality plot of Fig. 2b, or a quality bar chart when the data has no costs), written
 * by a small SVG writer of our own (no dependency).
 */
import type { EvalReport, MethodReport, SplitReport } from './harness.js';

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
];

function pct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : (x * 100).toFixed(1);
}

function num(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

function usd(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return `$${x < 0.01 ? x.toExponential(2) : x.toFixed(4)}`;
}

function escapeMd(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** Column groups for the table: the sources themselves, or their prefix before '/' when there are many. */
function sourceColumns(sources: readonly string[], maxColumns: number): { name: string; members: string[] }[] {
  if (sources.length <= maxColumns) return sources.map((s) => ({ name: s, members: [s] }));
  const groups = new Map<string, string[]>();
  for (const s of sources) {
    const key = s.includes('/') ? s.slice(0, s.indexOf('/')) : s;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([name, members]) => ({ name: members.length > 1 ? `${name} (${members.length})` : name, members }));
}

function groupValue(m: MethodReport, members: readonly string[]): number {
  let s = 0;
  let n = 0;
  for (const k of members) {
    const v = m.perSource[k];
    if (v !== undefined && Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n > 0 ? s / n : Number.NaN;
}

function methodTable(part: SplitReport, withCost: boolean, maxColumns: number): string[] {
  const cols = sourceColumns(part.sources, maxColumns);
  const routers = part.methods.filter((m) => m.kind !== 'single' && m.kind !== 'oracle');
  const singles = part.methods.filter((m) => m.kind === 'single');
  const bestRouter = Math.max(...routers.map((m) => m.quality).filter(Number.isFinite));
  const bestSingle = Math.max(...singles.map((m) => m.quality).filter(Number.isFinite));
  const header = [
    'Method',
    ...cols.map((c) => escapeMd(c.name)),
    'Ave',
    'Overall',
    ...(withCost ? ['Cost/query'] : []),
    'Headroom',
    'Scored',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  const row = (m: MethodReport): string => {
    const bold =
      (m.kind === 'single' && m.quality === bestSingle) ||
      (m.kind !== 'single' && m.kind !== 'oracle' && m.quality === bestRouter);
    const overall = bold ? `**${pct(m.quality)}**` : pct(m.quality);
    const cells = [
      escapeMd(m.name),
      ...cols.map((c) => pct(groupValue(m, c.members))),
      pct(m.macroQuality),
      overall,
      ...(withCost ? [usd(m.cost)] : []),
      m.kind === 'single' && m.headroom !== null ? num(m.headroom, 2) : num(m.headroom, 2),
      m.unscored > 0 ? `${m.scored}/${m.prompts}` : `${m.scored}`,
    ];
    return `| ${cells.join(' | ')} |`;
  };
  lines.push(`| *Candidate models* |${cols.map(() => '').join('|')}| | |${withCost ? ' |' : ''} | |`);
  for (const m of singles) lines.push(row(m));
  lines.push(`| *Routers* |${cols.map(() => '').join('|')}| | |${withCost ? ' |' : ''} | |`);
  for (const m of routers) lines.push(row(m));
  for (const m of part.methods.filter((x) => x.kind === 'oracle')) lines.push(row(m));
  return lines;
}

/** Options of {@link reportMarkdown}. */
export interface ReportMarkdownOptions {
  /** Above this many sources, columns group sources by their prefix before '/'. @defaultValue 14 */
  maxSourceColumns?: number;
  /** Relative path of the figure to link, when written. */
  figure?: string;
}

/**
 * Renders a report as Markdown: the method table (percent), the cost–quality summary, the FineRouter
 * diagnostics, the data issues and the split.
 * @param report - an {@link EvalReport}
 * @param options - {@link ReportMarkdownOptions}
 * @returns Markdown text
 * @example writeFile('report.md', reportMarkdown(report))
 */
export function reportMarkdown(report: EvalReport, options: ReportMarkdownOptions = {}): string {
  const maxCols = options.maxSourceColumns ?? 14;
  const out: string[] = [];
  out.push(`# Routing evaluation${report.dataset ? `: ${report.dataset}` : ''}`, '');
  out.push(
    `Split: ${report.splitInfo.description}. Train ${report.splitInfo.train}, dev ${report.splitInfo.dev}, test ${report.splitInfo.test}` +
      `${Object.entries(report.splitInfo.extra)
        .map(([k, v]) => `, ${k} ${v}`)
        .join('')}. Evaluated: **${report.split}** (${report.prompts} prompts). Seed ${report.seed}.`,
    '',
  );
  out.push(
    `Quality in percent (mean observed score × 100). "Ave" = macro average over sources (the paper's Ave); "Overall" = mean over prompts. Headroom = (method − best single) / (oracle − best single).`,
    '',
  );
  const withCost = report.cost.available;
  out.push(...methodTable(report, withCost, maxCols), '');
  out.push(
    `Best single model: ${report.bestSingle.name} (${pct(report.bestSingle.quality)}${withCost ? `, ${usd(report.bestSingle.cost)}/query` : ''}); oracle ${pct(report.oracleQuality)}.`,
    '',
  );
  if (withCost) {
    out.push('## Cost–quality', '', `Costs: ${report.cost.note}.`, '');
    if (options.figure) out.push(`![cost-quality](${options.figure})`, '');
    out.push(
      '| Method | AIQ | Quality at best single cost | Cost to match best single | × best single cost |',
      '|---|---:|---:|---:|---:|',
    );
    for (const m of report.methods) {
      if (!m.curve) continue;
      out.push(
        `| ${escapeMd(m.name)} | ${pct(m.aiq)} | ${pct(m.qualityAtBestSingleCost)} | ${usd(m.costToMatchBestSingle)} | ${num(m.costRatioToMatchBestSingle, 2)} |`,
      );
    }
    out.push(
      '',
      `AIQ (RouterBench, Hu et al. 2024): mean of the non-decreasing convex hull of the τ-sweep over the single models' cost range ${report.aiqRange ? `[${usd(report.aiqRange.costMin)}, ${usd(report.aiqRange.costMax)}]` : ''}, in percent.`,
      '',
    );
  } else {
    out.push(`Costs: ${report.cost.note}.`, '');
    if (options.figure) out.push(`![quality](${options.figure})`, '');
  }
  const f = report.fineRouter;
  if (f) {
    const fr = report.methods.find((m) => m.name === 'finerouter');
    out.push('## FineRouter diagnostics', '');
    out.push(`- Tasks: ${f.tasks}; classifier threshold ${num(f.threshold, 2)}; α = ${num(f.alpha, 2)}.`);
    out.push(
      `- Coverage (evaluated prompts assigned to a task): ${pct(f.coverage)}%. Quality with a task ${pct(f.qualityWithTask)}, in Others ${pct(f.qualityOthers)}.`,
    );
    out.push(
      `- Classifier vs discovery labels on the training prompts (in-sample): macro-F1 ${num(f.trainMacroF1)}, agreement ${pct(f.trainAgreement)}%.`,
    );
    out.push(
      `- Stage-2 calibration: ECE ${num(f.calibration.stage2.ece)} (task-aware), ${num(f.calibration.general.ece)} (general adapters) over ${f.calibration.stage2.pairs} (prompt, model) pairs.`,
    );
    out.push(
      `- Stage-1-embedding centers: ${f.centers === 'discovery' ? 'discovery task centers' : 'median of training prompts per classifier task'}.`,
    );
    if (f.routeCheck)
      out.push(
        `- Cross-check with FineRouter.routeEmbeddings (τ = 0, all models allowed): ${f.routeCheck.agreed}/${f.routeCheck.checked} identical choices.`,
      );
    if (fr) {
      const dist = Object.entries(fr.distribution)
        .filter(([, v]) => v > 0)
        .sort((a, b) => b[1] - a[1]);
      out.push(`- Routing distribution: ${dist.map(([k, v]) => `${escapeMd(k)} ${pct(v)}%`).join(', ')}.`);
    }
    out.push('');
  }
  out.push('## Baseline settings', '');
  out.push(
    `- kNN: k = ${report.knn.k} chosen on dev (${Object.entries(report.knn.devQuality)
      .map(([k, q]) => `k=${k}: ${pct(q)}`)
      .join(', ')}).`,
  );
  out.push(
    `- MLP: ${report.mlp.epochs} epochs run, kept epoch ${report.mlp.bestEpoch} (dev ${pct(report.mlp.devQuality)}); ${report.mlp.tiedLabels} training prompts with tied best models (soft labels), ${report.mlp.skipped} without any preference (left out).`,
  );
  out.push('');
  out.push('## Data issues', '');
  const issues = (name: string, i: EvalReport['trainIssues']): string =>
    `- ${name}: ${i.records} records, ${i.kept} kept, ${i.noScoredModel} with no scored model (dropped), ${i.missingScores} missing (prompt, model) scores, ${i.nonFiniteScores} non-finite, ${i.outOfRangeScores} out of [0, 1], unknown models ${
      Object.keys(i.unknownModels).length === 0
        ? 'none'
        : Object.entries(i.unknownModels)
            .map(([k, v]) => `${k} ×${v}`)
            .join(', ')
    }, ${i.missingCosts} missing costs.`;
  out.push(issues('train', report.trainIssues), issues(report.split, report.issues));
  const masked = report.methods.filter((m) => m.maskedChoices > 0);
  if (masked.length > 0)
    out.push(
      `- Availability mask changed the choice of: ${masked.map((m) => `${escapeMd(m.name)} (${m.maskedChoices})`).join(', ')}.`,
    );
  const partial = report.methods.filter((m) => m.kind === 'single' && m.unscored > 0);
  if (partial.length > 0)
    out.push(
      `- Single models averaged over their scored prompts only: ${partial.map((m) => `${escapeMd(m.name)} (${m.scored}/${m.prompts})`).join(', ')}.`,
    );
  out.push('');
  for (const extra of report.extraSplits) {
    out.push(`## Split '${extra.split}' (${extra.prompts} prompts, reported separately)`, '');
    out.push(...methodTable(extra, false, maxCols), '');
  }
  const t = Object.entries(report.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`);
  if (t.length > 0) out.push(`Timings: ${t.join(', ')}.`, '');
  return out.join('\n');
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.001) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

function shortName(name: string): string {
  const id = name.startsWith('model:') ? name.slice(6) : name;
  const tail = id.includes('/') ? id.slice(id.lastIndexOf('/') + 1) : id;
  return tail.length > 28 ? `${tail.slice(0, 27)}…` : tail;
}

/** Options of the SVG figures. */
export interface SvgOptions {
  /** @defaultValue 760 */
  width?: number;
  /** @defaultValue 500 */
  height?: number;
  /** Title above the plot. @defaultValue derived from the report */
  title?: string;
}

/**
 * The cost–quality figure (paper Fig. 2b): router τ-sweeps as lines (FineRouter bold), routers at τ = 0 as
 * triangles, single models as circles, the oracle as a star. Cost on x in USD per 1,000 queries.
 * @param report - a report with costs
 * @param options - {@link SvgOptions}
 * @returns SVG text
 * @throws RangeError when the report has no cost information
 * @example writeFile('cost-quality.svg', costQualitySvg(report))
 */
export function costQualitySvg(report: EvalReport, options: SvgOptions = {}): string {
  if (!report.cost.available)
    throw new RangeError('costQualitySvg: expected a report with costs, received one without');
  const W = options.width ?? 760;
  const H = options.height ?? 500;
  const m = { l: 70, r: 200, t: 40, b: 55 };
  const scale = 1000;
  const pts: { x: number; y: number }[] = [];
  for (const mt of report.methods) {
    if (mt.cost !== null && Number.isFinite(mt.quality)) pts.push({ x: mt.cost * scale, y: mt.quality });
    for (const p of mt.curve ?? []) if (mt.name !== 'oracle') pts.push({ x: p.cost * scale, y: p.quality });
  }
  let x0 = Math.min(...pts.map((p) => p.x));
  let x1 = Math.max(...pts.map((p) => p.x));
  let y0 = Math.min(...pts.map((p) => p.y));
  let y1 = Math.max(...pts.map((p) => p.y));
  const padX = (x1 - x0 || Math.abs(x1) || 1) * 0.05;
  const padY = (y1 - y0 || 0.1) * 0.08;
  x0 = Math.max(0, x0 - padX);
  x1 += padX;
  y0 = Math.max(0, y0 - padY);
  y1 = Math.min(1, y1 + padY);
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const X = (v: number): number => m.l + ((v - x0) / (x1 - x0)) * pw;
  const Y = (v: number): number => m.t + ph - ((v - y0) / (y1 - y0)) * ph;
  const f = (v: number): string => v.toFixed(1);
  const s: string[] = [];
  s.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  s.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  s.push(
    `<text x="${m.l}" y="24" font-size="15" font-weight="bold">${esc(options.title ?? `Cost vs quality${report.dataset ? `: ${report.dataset}` : ''} (${report.split}, ${report.prompts} prompts)`)}</text>`,
  );
  for (const v of niceTicks(x0, x1)) {
    s.push(`<line x1="${f(X(v))}" y1="${m.t}" x2="${f(X(v))}" y2="${m.t + ph}" stroke="#eee"/>`);
    s.push(`<text x="${f(X(v))}" y="${m.t + ph + 18}" text-anchor="middle" fill="#333">${tickLabel(v)}</text>`);
  }
  for (const v of niceTicks(y0, y1)) {
    s.push(`<line x1="${m.l}" y1="${f(Y(v))}" x2="${m.l + pw}" y2="${f(Y(v))}" stroke="#eee"/>`);
    s.push(`<text x="${m.l - 8}" y="${f(Y(v) + 4)}" text-anchor="end" fill="#333">${tickLabel(v)}</text>`);
  }
  s.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  s.push(`<text x="${m.l + pw / 2}" y="${H - 14}" text-anchor="middle">cost, USD per 1,000 queries</text>`);
  s.push(`<text transform="translate(18 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">mean quality</text>`);
  const legend: string[] = [];
  let li = 0;
  const legendItem = (color: string, label: string, shape: 'line' | 'circle' | 'triangle' | 'bold'): void => {
    const y = m.t + 8 + li * 18;
    const x = m.l + pw + 16;
    if (shape === 'line' || shape === 'bold')
      legend.push(
        `<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${color}" stroke-width="${shape === 'bold' ? 3 : 1.5}"/>`,
      );
    else if (shape === 'circle') legend.push(`<circle cx="${x + 11}" cy="${y}" r="4.5" fill="${color}"/>`);
    else legend.push(`<path d="M${x + 11} ${y - 5} L${x + 16} ${y + 4} L${x + 6} ${y + 4} Z" fill="${color}"/>`);
    legend.push(`<text x="${x + 28}" y="${y + 4}">${esc(label)}</text>`);
    li++;
  };
  const routers = report.methods.filter((x) => x.kind !== 'single');
  const colors = new Map<string, string>();
  let ci = 0;
  for (const r of routers) {
    const color =
      r.name === 'finerouter' ? '#d62728' : r.name === 'oracle' ? '#999' : PALETTE[(ci++ % (PALETTE.length - 2)) + 2]!;
    colors.set(r.name, color);
    if (r.curve && r.curve.length > 1) {
      const sorted = [...r.curve].sort((a, b) => a.tolerance - b.tolerance);
      const d = sorted.map((p, k) => `${k === 0 ? 'M' : 'L'}${f(X(p.cost * scale))} ${f(Y(p.quality))}`).join(' ');
      const width = r.name === 'finerouter' ? 3 : 1.5;
      const dash = r.name === 'oracle' ? ' stroke-dasharray="5 4"' : '';
      s.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="${width}"${dash} opacity="${r.name === 'finerouter' ? 1 : 0.8}"/>`,
      );
      legendItem(color, `${r.name} (τ sweep)`, r.name === 'finerouter' ? 'bold' : 'line');
    } else if (r.cost !== null) {
      const x = X(r.cost * scale);
      const y = Y(r.quality);
      s.push(
        `<path d="M${f(x)} ${f(y - 6)} L${f(x + 5.5)} ${f(y + 4)} L${f(x - 5.5)} ${f(y + 4)} Z" fill="${color}"/>`,
      );
      legendItem(color, r.name, 'triangle');
    }
  }
  for (const r of routers) {
    if (r.cost === null || !r.curve || r.curve.length <= 1) continue;
    s.push(
      `<path d="M${f(X(r.cost * scale))} ${f(Y(r.quality) - 6)} l5.5 10 l-11 0 Z" fill="${colors.get(r.name)!}" stroke="black" stroke-width="0.8"/>`,
    );
  }
  legendItem('#1f77b4', 'single models', 'circle');
  for (const mt of report.methods.filter((x) => x.kind === 'single')) {
    if (mt.cost === null) continue;
    const x = X(mt.cost * scale);
    const y = Y(mt.quality);
    s.push(`<circle cx="${f(x)}" cy="${f(y)}" r="4.5" fill="#1f77b4"/>`);
    // Labels near the right edge go to the left of the point so they never run into the legend.
    const left = x > m.l + pw * 0.7;
    s.push(
      `<text x="${f(left ? x - 7 : x + 7)}" y="${f(y - 5)}" font-size="10" fill="#1f4f7f"${left ? ' text-anchor="end"' : ''}>${esc(shortName(mt.name))}</text>`,
    );
  }
  s.push(...legend);
  s.push(
    `<text x="${m.l + pw + 16}" y="${m.t + 8 + li * 18 + 10}" font-size="10" fill="#555">triangles on lines: τ = 0</text>`,
  );
  s.push('</svg>');
  return `${s.join('\n')}\n`;
}

/**
 * A horizontal bar chart of overall quality per method (for data without costs).
 * @param report - any report
 * @param options - {@link SvgOptions}
 * @returns SVG text
 * @example writeFile('quality.svg', qualityBarsSvg(report))
 */
export function qualityBarsSvg(report: EvalReport, options: SvgOptions = {}): string {
  const rows = report.methods.filter((x) => Number.isFinite(x.quality));
  const W = options.width ?? 760;
  const bar = 18;
  const m = { l: 230, r: 70, t: 40, b: 40 };
  const H = options.height ?? m.t + m.b + rows.length * (bar + 6);
  const lo = Math.max(0, Math.min(...rows.map((r) => r.quality)) - 0.05);
  const hi = Math.min(1, Math.max(...rows.map((r) => r.quality)) + 0.02);
  const pw = W - m.l - m.r;
  const X = (v: number): number => m.l + ((v - lo) / (hi - lo)) * pw;
  const s: string[] = [];
  s.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  s.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  s.push(
    `<text x="12" y="24" font-size="15" font-weight="bold">${esc(options.title ?? `Mean quality${report.dataset ? `: ${report.dataset}` : ''} (${report.split}, ${report.prompts} prompts; no cost data)`)}</text>`,
  );
  for (const v of niceTicks(lo, hi)) {
    s.push(`<line x1="${X(v).toFixed(1)}" y1="${m.t - 4}" x2="${X(v).toFixed(1)}" y2="${H - m.b}" stroke="#eee"/>`);
    s.push(`<text x="${X(v).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle" fill="#333">${tickLabel(v)}</text>`);
  }
  rows.forEach((r, k) => {
    const y = m.t + k * (bar + 6);
    const color =
      r.name === 'finerouter' ? '#d62728' : r.kind === 'single' ? '#1f77b4' : r.kind === 'oracle' ? '#999' : '#2ca02c';
    s.push(`<text x="${m.l - 8}" y="${y + bar - 5}" text-anchor="end">${esc(shortName(r.name))}</text>`);
    s.push(
      `<rect x="${m.l}" y="${y}" width="${Math.max(0, X(r.quality) - m.l).toFixed(1)}" height="${bar}" fill="${color}"/>`,
    );
    s.push(
      `<text x="${(X(r.quality) + 4).toFixed(1)}" y="${y + bar - 5}" fill="#333">${(r.quality * 100).toFixed(1)}</text>`,
    );
  });
  s.push(
    `<text x="${m.l + pw / 2}" y="${H - 8}" text-anchor="middle">mean quality (blue: single models, green: routers, red: FineRouter, grey: oracle)</text>`,
  );
  s.push('</svg>');
  return `${s.join('\n')}\n`;
}
