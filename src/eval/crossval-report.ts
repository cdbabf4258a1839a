/**
 * Markdown tables of a cross-validation summary (./bootstrap.ts): one table of quality with 95% paired-bootstrap
 * intervals and significance marks, one of cost figures where costs exist, one of RouteLLM figures on
 * two-model pools. Pure string building.
 */
import type { CrossValSummary, Interval, SummaryRow } from './bootstrap.js';

/** Options of {@link crossValMarkdown}. */
export interface CrossValMarkdownOptions {
  /** Heading (e.g. the dataset name). */
  title?: string;
  /** Lines printed under the heading (command, wall time, load). */
  notes?: readonly string[];
}

const pct = (x: number): string => (Number.isFinite(x) ? (x * 100).toFixed(1) : '–');
const pp = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}` : '–');
const ci = (i: Interval, f: (x: number) => string): string => `[${f(i.lo)}, ${f(i.hi)}]`;
const dec = (x: number): string => (Number.isFinite(x) ? `${x < 0 ? '−' : ''}${Math.abs(x).toFixed(2)}` : '–');
const diff = (d: SummaryRow['vsBestSingle']): string =>
  d ? `${pp(d.value)} ${ci(d, pp)}${d.significant ? ' *' : ''}` : '';

/**
 * Renders the summary as Markdown.
 * @param s - the summary
 * @param options - {@link CrossValMarkdownOptions}
 * @returns Markdown text
 * @example crossValMarkdown(summary, { title: 'routeprofile-test' })
 */
export function crossValMarkdown(s: CrossValSummary, options: CrossValMarkdownOptions = {}): string {
  const out: string[] = [];
  if (options.title) out.push(`## ${options.title}`, '');
  for (const n of options.notes ?? []) out.push(n);
  out.push(
    `${s.folds}-fold cross-validation stratified by source (seed ${s.seed}), ${s.prompts} prompts pooled out of fold; ` +
      `95% paired-bootstrap intervals over prompts (${s.resamples} resamples, seed ${s.bootstrapSeed}); * = interval excludes 0. ` +
      `Best single = the highest training-fold mean in each fold (${[...new Set(s.bestSingleByFold)].join(', ')}).`,
    '',
  );
  const routers = s.rows.filter((r) => r.kind !== 'single');
  const singles = s.rows.filter((r) => r.kind === 'single');
  const ref = s.reference;
  out.push(
    `| method | quality % [95% CI] | Δ best single (pp) | ${ref ? `Δ ${ref} (pp) | ` : ''}headroom [95% CI] |${ref ? ` same choice as ${ref} % [95% CI] |` : ''}`,
  );
  out.push(`|---|---|---|${ref ? '---|' : ''}---|${ref ? '---|' : ''}`);
  const line = (r: SummaryRow): string =>
    `| ${r.name} | ${pct(r.quality.value)} ${ci(r.quality, pct)} | ${diff(r.vsBestSingle)} | ${ref ? `${diff(r.vsReference)} | ` : ''}${r.headroom ? `${dec(r.headroom.value)} ${ci(r.headroom, dec)}` : ''} |${ref ? ` ${r.agreement ? `${pct(r.agreement.value)} ${ci(r.agreement, pct)}` : ''} |` : ''}`;
  for (const r of routers) out.push(line(r));
  out.push('', `<details><summary>single models (${singles.length})</summary>`, '');
  out.push(`| model | quality % [95% CI] | Δ best single (pp) |${s.costAvailable ? ' cost USD/query |' : ''}`);
  out.push(`|---|---|---|${s.costAvailable ? '---|' : ''}`);
  for (const r of singles)
    out.push(
      `| ${r.name.replace(/^model:/, '')} | ${pct(r.quality.value)} ${ci(r.quality, pct)} | ${diff(r.vsBestSingle)} |${s.costAvailable ? ` ${r.cost ? r.cost.value.toExponential(3) : '–'} |` : ''}`,
    );
  out.push('', '</details>', '');
  if (s.costAvailable) {
    const best = s.rows.find((r) => r.kind === 'best-single')!;
    const bc = best.cost?.value ?? Number.NaN;
    out.push(
      `Cost (USD per query). Zero router = the upper convex hull of the single models (RouterBench); its AIQ ${s.zeroRouter?.aiq !== null && s.zeroRouter ? pct(s.zeroRouter.aiq) : '–'}. ` +
        `Cost to match = cheapest point of the method's τ sweep (pooled, linear between points) reaching the best single model's quality, as a multiple of that model's cost (${bc.toExponential(3)}).`,
      '',
      '| method | cost at τ=0 (× best single) | Δ zero router at that cost (pp) | cost to match best single | AIQ % |',
      '|---|---|---|---|---|',
    );
    for (const r of routers) {
      out.push(
        `| ${r.name} | ${r.cost ? `${r.cost.value.toExponential(3)} (${dec(r.cost.value / bc)}×)` : '–'} | ${diff(r.vsZeroRouter)} | ${
          r.costRatioToMatchBestSingle !== undefined
            ? r.costRatioToMatchBestSingle === null
              ? 'never'
              : `${dec(r.costRatioToMatchBestSingle)}×`
            : ''
        } | ${r.aiq !== undefined ? pct(r.aiq) : ''} |`,
      );
    }
    out.push('');
  }
  if (s.twoModel) {
    out.push(
      `Two-model pool (RouteLLM): strong ${s.twoModel.strong}, weak ${s.twoModel.weak}. APGR = area under PGR over the share of strong calls; CPT(x) = share of strong calls needed for PGR ≥ x (random router: APGR 0.50, CPT(50%) 50%).`,
      '',
      '| method | APGR [95% CI] | CPT(50%) [95% CI] | CPT(80%) [95% CI] |',
      '|---|---|---|---|',
    );
    for (const r of routers) {
      if (!r.apgr) continue;
      const c = (i: Interval | null | undefined): string => (i ? `${pct(i.value)}% ${ci(i, pct)}` : 'never');
      out.push(`| ${r.name} | ${dec(r.apgr.value)} ${ci(r.apgr, dec)} | ${c(r.cpt50)} | ${c(r.cpt80)} |`);
    }
    out.push('');
  }
  if (s.failures.length > 0) {
    out.push('Failures:', '');
    for (const f of s.failures) out.push(`- ${f.method} (fold ${f.fold}): ${f.message}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
