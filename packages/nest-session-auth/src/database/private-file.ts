import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Creates `file`, empty and readable and writable only by its owner, unless it exists: an
 * existing file keeps its mode and content. A missing folder is created too, owner only.
 */
export async function createPrivateFile(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    await (await open(file, 'wx', 0o600)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
