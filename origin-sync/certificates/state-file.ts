// A small JSON document kept on disk crash-safely: written to a temporary file, fsynced,
// renamed over the old one, and the directory fsynced, so a crash leaves either the old or
// the new version, never half of one. Saves that arrive while one is being written are
// folded into the next write.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(path: string, contents: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(tmp, 'w', 0o600);
  try {
    await file.writeFile(contents, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // The rename itself is only durable once the directory entry is on disk.
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    await dirHandle.close();
  }
}

export class JsonStateFile {
  readonly path: string;
  #writing: Promise<void> | null = null;
  #queued: Promise<void> | null = null;

  constructor(path: string) {
    this.path = path;
  }

  /** The stored text, or null when there is no file yet. */
  async read(): Promise<string | null> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Keeps an unreadable file for a human to look at, out of the way of the next save. */
  async setAside(): Promise<string> {
    const aside = `${this.path}.unreadable-${Date.now()}`;
    await rename(this.path, aside);
    return aside;
  }

  /**
   * Resolves once a write that took its snapshot after this call is durable. `snapshot` is
   * called just before writing, so every change made before `save()` is in it.
   */
  save(snapshot: () => string): Promise<void> {
    if (this.#queued) return this.#queued;
    const run = async (): Promise<void> => {
      // Always yield first: `#queued` must be assigned before it is cleared below.
      await this.#writing?.catch(() => {});
      this.#queued = null;
      const write = writeFileAtomic(this.path, snapshot());
      this.#writing = write;
      try {
        await write;
      } finally {
        if (this.#writing === write) this.#writing = null;
      }
    };
    this.#queued = run();
    return this.#queued;
  }

  /** Waits for any write in progress or queued. */
  async flush(): Promise<void> {
    await this.#queued?.catch(() => {});
    await this.#writing?.catch(() => {});
  }
}
