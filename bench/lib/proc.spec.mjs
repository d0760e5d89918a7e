import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuShare, cpuTicks, npmStartCommand } from './proc.mjs';

const ROOT = join(import.meta.dirname, '..', '..');

describe('npmStartCommand', () => {
  it("reads the environment and node flags of this project's npm start", () => {
    const { start } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    const { env, nodeArgs } = npmStartCommand(ROOT);
    const rebuilt = [
      ...Object.entries(env).map(([name, value]) => `${name}=${value}`),
      'exec node',
      ...nodeArgs,
      'dist/main.js',
    ].join(' ');
    expect(start.endsWith(rebuilt)).toBe(true);
  });

  it('refuses a start script it cannot follow, rather than measuring something else', () => {
    expect(() => npmStartCommand(ROOT, 'node server.js')).toThrow(/cannot read/);
  });
});

describe('cpuTicks', () => {
  it('adds utime and stime (fields 14 and 15) of /proc/<pid>/stat', () => {
    const stat =
      '4242 (node) S 1 4242 4242 0 -1 4194560 52311 0 12 0 1234 567 0 0 20 0 11 0 9001 1 2 3\n';
    expect(cpuTicks(stat)).toBe(1234 + 567);
  });

  it('counts fields from the last ")", whatever the command name holds', () => {
    const stat = '7 (a ) b (c)) R 1 7 7 0 -1 0 0 0 0 0 40 2 0 0 20 0 1 0 5 1 2 3';
    expect(cpuTicks(stat)).toBe(42);
  });
});

describe('cpuShare', () => {
  it('is the share of one core between two samples (100 ticks a second)', () => {
    expect(cpuShare({ at: 1000, ticks: 500 }, { at: 1250, ticks: 525 })).toBe(1);
    expect(cpuShare({ at: 1000, ticks: 500 }, { at: 1500, ticks: 502 })).toBeCloseTo(0.04);
    expect(cpuShare({ at: 0, ticks: 9 }, { at: 250, ticks: 9 })).toBe(0);
  });
});
