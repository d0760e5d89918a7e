import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npmStartCommand } from './proc.mjs';

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
