import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, ImpactValue } from 'axe-core';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** What fails a page: WCAG violations axe rates serious or critical. */
export const BLOCKING: ImpactValue[] = ['serious', 'critical'];

export interface AxeFinding {
  rule: string;
  impact: ImpactValue | undefined;
  help: string;
  /** CSS selectors of the offending elements. */
  targets: string[];
}

export interface AxeReport {
  page: string;
  theme: string;
  /** Rules checked and passed on this page. */
  passed: number;
  violations: AxeFinding[];
}

/**
 * Runs axe-core on the page as it is. Evaluated through the DevTools protocol rather than
 * added as a `<script>`, so Helmet's CSP (`script-src 'self'`) stays on, as for real visitors.
 */
export async function checkAccessibility(
  page: Page,
  label: { page: string; theme: string },
): Promise<AxeReport> {
  await page.evaluate(axeSource);
  const results = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] })",
  )) as AxeResults;
  return {
    ...label,
    passed: results.passes.length,
    violations: results.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    })),
  };
}

/** The blocking findings of a report, in a form that reads well in a failed assertion. */
export function blocking(report: AxeReport): string[] {
  return report.violations
    .filter((finding) => BLOCKING.includes(finding.impact ?? null))
    .map(
      (finding) =>
        `${finding.impact} ${finding.rule}: ${finding.help} (${finding.targets.join(', ')})`,
    );
}

/** One line per page: rules passed and violations by impact. */
export function summarize(reports: AxeReport[]): string {
  const lines = reports.map((report) => {
    const counts = (['critical', 'serious', 'moderate', 'minor'] as const)
      .map(
        (impact) =>
          `${impact} ${report.violations.filter((finding) => finding.impact === impact).length}`,
      )
      .join(', ');
    const rules = report.violations.map((finding) => finding.rule).join(' ');
    const name = `${report.page} (${report.theme})`.padEnd(24);
    return `  ${name} ${String(report.passed).padStart(2)} rules passed; ${counts}${rules ? `: ${rules}` : ''}`;
  });
  return `axe-core ${axeVersion()} on ${reports.length} pages:\n${lines.join('\n')}\n`;
}

function axeVersion(): string {
  return /axe v([\d.]+)/.exec(axeSource)?.[1] ?? '';
}
