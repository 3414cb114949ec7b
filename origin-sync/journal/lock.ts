// One origin-sync per journal directory: two processes appending to the same segments would
// interleave records. A LOCK file holds the owner's pid; one left by a process that no longer
// runs (a crash, a SIGKILL) is stale and taken over.
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'LOCK');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && running(owner)) {
        throw new Error(`${dir} is in use by another origin-sync (pid ${owner})`);
      }
      await rm(path, { force: true });
    }
  }
  throw new Error(`could not lock ${dir}`);
}
