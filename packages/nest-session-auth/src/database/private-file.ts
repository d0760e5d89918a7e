import { open } from 'node:fs/promises';

/**
 * Creates `file`, empty and readable and writable only by its owner, unless it exists: an
 * existing file keeps its mode and content.
 */
export async function createPrivateFile(file: string): Promise<void> {
  try {
    await (await open(file, 'wx', 0o600)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
