// The printed report: machine header, one markdown table, the ratio checks.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';

function cpuModel() {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1].trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * What `git rev-parse --short HEAD` prints, read from .git directly instead of running git
 * (the harness starts no git process).
 */
export function gitCommit(root) {
  try {
    let gitDir = join(root, '.git');
    if (statSync(gitDir).isFile()) {
      gitDir = resolve(root, /gitdir:\s*(.+)/.exec(readFileSync(gitDir, 'utf8'))[1].trim());
    }
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 7);
    const ref = head.slice(5);
    const common = existsSync(join(gitDir, 'commondir'))
      ? resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim())
      : gitDir;
    for (const dir of [gitDir, common]) {
      if (existsSync(join(dir, ref)))
        return readFileSync(join(dir, ref), 'utf8').trim().slice(0, 7);
    }
    const packed = readFileSync(join(common, 'packed-refs'), 'utf8')
      .split('\n')
      .find((line) => line.endsWith(` ${ref}`));
    return packed ? packed.slice(0, 7) : `${ref} (no commit yet)`;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(root) {
  return {
    cpu: cpuModel(),
    cores: Number(process.env.BENCH_CORES) || availableParallelism(),
    node: process.version,
    commit: gitCommit(root),
    loadAtStart: loadavg()[0],
  };
}

const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');

export const fmtRate = (rps) =>
  rps === undefined ? '–' : rps >= 100 ? Math.round(rps).toLocaleString('en-US') : rps.toFixed(1);

export const fmtMs = (ms) =>
  ms === undefined
    ? '–'
    : ms < 10
      ? ms.toFixed(2)
      : ms < 100
        ? ms.toFixed(1)
        : Math.round(ms).toString();

/** "503×1,234, 401×56": responses by status, most frequent first. */
export const statusCounts = (counts) =>
  Object.entries(counts)
    .toSorted((a, b) => b[1] - a[1])
    .map(([status, n]) => `${status}×${n.toLocaleString('en-US')}`)
    .join(', ');

function errorCell(result) {
  if (result.errors === 0) return '0';
  const parts = statusCounts(result.unexpectedStatuses ?? {});
  const more = [];
  if (result.timeouts) more.push(`timeout×${result.timeouts}`);
  const other = result.socketErrors - (result.timeouts ?? 0);
  if (other > 0) more.push(`socket×${other}`);
  return `${result.errors} (${[parts, ...more].filter(Boolean).join(', ')})`;
}

const HEADER = [
  'target',
  'scenario',
  'connections',
  'req/s',
  'p50 ms',
  'p99 ms',
  'p99/p50',
  'errors',
  'peak RSS MB',
];

export function table(rows) {
  const lines = [`| ${HEADER.join(' | ')} |`, `| ${HEADER.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    const scenario = row.note ? `${row.scenario} (${row.note})` : row.scenario;
    const cells = row.na
      ? [row.target, scenario, row.connections ?? '–', `n/a (${row.na})`, '–', '–', '–', '–', '–']
      : [
          row.target,
          scenario,
          row.connections,
          fmtRate(row.result.rps),
          fmtMs(row.result.p50),
          fmtMs(row.result.p99),
          row.result.p50 ? (row.result.p99 / row.result.p50).toFixed(2) : '–',
          errorCell(row.result),
          row.result.peakRss === undefined ? '–' : row.result.peakRss.toFixed(0),
        ];
    lines.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

export function report({ info, settings, rows, checks, notes, finishedLoad }) {
  const out = [
    '# Benchmark results',
    '',
    `- commit: ${info.commit}; ${new Date().toISOString()}`,
    `- machine: ${info.cpu}, ${info.cores} cores; node ${info.node}`,
    `- ${settings.pinning}`,
    `- ${settings.mode}`,
    `- load average (1 min) at start ${info.loadAtStart.toFixed(2)}, at end ${finishedLoad.toFixed(2)}: other processes on this machine add noise`,
    '',
    table(rows),
    '',
    '## Ratios vs targets',
    '',
    ...checks.map((check) => `- **${check.status}** ${check.text}`),
  ];
  if (notes.length) out.push('', '## Notes', '', ...notes.map((note) => `- ${note}`));
  return `${out.join('\n')}\n`;
}

/** Formats with the project's Prettier settings, so the written file passes `npm run lint`. */
export async function prettify(markdown, file) {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(markdown, { ...options, parser: 'markdown' });
  } catch {
    return markdown;
  }
}
