/** Where the CLI finds its own files, whatever the current directory. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package tree) root: apps/cli/dist/ -> ../../.. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI_BIN = fileURLToPath(new URL('../bin/seqtrain.js', import.meta.url));

/** A path as given, relative to the current directory; else, for shipped data, relative to the repository. */
export function resolveInput(path: string): string {
  const here = resolve(path);
  if (existsSync(here)) return here;
  const shipped = resolve(REPO_ROOT, path);
  return existsSync(shipped) ? shipped : here;
}

export function timestamp(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}
