import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPrivateFile } from './private-file.js';

describe(createPrivateFile.name, () => {
  let dir: string;
  let umask: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nsa-private-'));
    // A permissive umask, so that only the mode asked for can make the file private.
    umask = process.umask(0);
  });

  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a missing file empty and 0600', async () => {
    const file = join(dir, 'new.db');

    await createPrivateFile(file);

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).size).toBe(0);
  });

  it('leaves an existing file, its content and its mode, as they are', async () => {
    const file = join(dir, 'old.db');
    writeFileSync(file, 'data');
    chmodSync(file, 0o640);

    await createPrivateFile(file);

    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readFileSync(file, 'utf8')).toBe('data');
  });

  it('creates missing folders, owner only', async () => {
    const file = join(dir, 'data', 'sub', 'x.db');

    await createPrivateFile(file);

    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'data', 'sub')).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('rejects with the code when the file cannot be created', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    await expect(createPrivateFile(join(dir, 'a-file', 'x.db'))).rejects.toMatchObject({
      code: 'EEXIST',
    });
  });
});
