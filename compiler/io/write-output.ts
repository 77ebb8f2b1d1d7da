import { createHash } from 'node:crypto';
import { access, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// Every file is written to a temporary name and renamed into place, so a power cut or a
// crash mid-compile leaves either the previous output or the new one, never a half file.

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

/**
 * Writes a content-addressed blob unless it is already there (same name = same bytes). The
 * bytes are read only when needed, and checked against their name before they land, so a
 * damaged cache file can never become a blob that players would refuse.
 */
export async function writeBlob(blobDir: string, hash: string, read: () => Promise<Uint8Array>): Promise<void> {
  const path = join(blobDir, hash);
  try {
    await access(path);
    return;
  } catch {
    // not there yet
  }
  const bytes = await read();
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== hash) throw new Error(`prepared image for blob ${hash} has sha256 ${actual}: the image cache is damaged; delete it and compile again`);
  await mkdir(blobDir, { recursive: true });
  await writeFileAtomic(path, bytes);
}

/**
 * Replaces a directory's contents as one step: the new files are written beside it, then the
 * old directory is renamed away and the new one into place.
 */
export async function replaceDirectory(target: string, files: ReadonlyMap<string, Uint8Array | string>): Promise<void> {
  const staging = `${target}.new-${process.pid}`;
  const retired = `${target}.old-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  for (const [name, data] of files) await writeFile(join(staging, name), data);
  let hadOld = true;
  try {
    await rename(target, retired);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    hadOld = false;
  }
  await rename(staging, target);
  if (hadOld) await rm(retired, { recursive: true, force: true });
}

/** Removes blobs no manifest refers to any more, so the output depends only on the inputs. */
export async function pruneBlobs(blobDir: string, keep: ReadonlySet<string>): Promise<number> {
  let removed = 0;
  let names: string[] = [];
  try {
    names = await readdir(blobDir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!keep.has(name)) {
      await rm(join(blobDir, name), { force: true });
      removed += 1;
    }
  }
  return removed;
}

/** Removes screen directories of screens the site no longer has. */
export async function pruneScreens(screensDir: string, keep: ReadonlySet<string>): Promise<void> {
  let names: string[] = [];
  try {
    names = await readdir(screensDir);
  } catch {
    return;
  }
  for (const name of names) if (!keep.has(name)) await rm(join(screensDir, name), { recursive: true, force: true });
}
