import { execFileSync } from 'node:child_process';

/** Process-level tests run the compiled server (dist/main.js), as `npm start` does. */
export default function buildOnce(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
