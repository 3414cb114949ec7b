// Small things the benchmarks need from the machine: Debian tools, a child's output.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export function which(binary: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin'])) {
    if (dir && existsSync(`${dir}/${binary}`)) return `${dir}/${binary}`;
  }
  return null;
}

let aptUpdated = false;

/**
 * The path of a Debian tool, installing its package when missing and we are root.
 * Returns null (and the caller says so in the table) when it cannot be had.
 */
export function ensureDebianTool(binary: string, pkg: string): string | null {
  const found = which(binary);
  if (found) return found;
  if (process.getuid?.() !== 0) return null;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    if (!aptUpdated) execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    aptUpdated = true;
    console.log(`  installing Debian package ${pkg}…`);
    execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', env });
  } catch {
    return null;
  }
  return which(binary);
}
