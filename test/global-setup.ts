import { execFileSync } from 'node:child_process';

const BUILT = Symbol.for('nest-session-auth-demo:built');

/**
 * `npm run build`: the package first (the app and its tests import its dist/, as any consumer
 * does), then the app (process-level tests run dist/main.js, as `npm start` does). Vitest runs a
 * global setup for the root and again for each project, all in this process: build only once.
 */
export default function buildOnce(): void {
  const run = globalThis as { [BUILT]?: true };
  if (run[BUILT]) return;
  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  run[BUILT] = true;
}
