/**
 * What a package tarball must hold: its manifest and README, every file its `main`, `types` and
 * `exports` point at, a built dist/ file for every source file and no dist/ file without a source
 * (a stale build output of a deleted module would ship otherwise: tsc never cleans dist/), and no specs.
 */

/** The fields of a package.json this check reads. */
export interface PackedManifest {
  name: string;
  main?: string;
  types?: string;
  exports?: unknown;
}

const REQUIRED_FILES = ['package.json', 'README.md'];
const SPEC_FILE = /\.spec\.[cm]?[jt]s$/;

/** Every file path an `exports` value names (conditions and subpaths, recursively); patterns with `*` are skipped. */
export function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return value.includes('*') ? [] : [value];
  if (Array.isArray(value)) return value.flatMap(exportTargets);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(exportTargets);
  return [];
}

function normalize(target: string): string {
  return target.replace(/^\.\//, '');
}

/** One line per problem, naming the package and the file; empty when the tarball is complete. */
export function tarballProblems(manifest: PackedManifest, files: readonly string[]): string[] {
  const have = new Set(files);
  const problems: string[] = [];
  const pointed = [manifest.main, manifest.types, ...exportTargets(manifest.exports)].filter((t): t is string => t !== undefined);
  for (const file of [...REQUIRED_FILES, ...pointed.map(normalize)]) {
    if (!have.has(file)) problems.push(`${manifest.name}: the tarball lacks ${file}${REQUIRED_FILES.includes(file) ? '' : ' (named by main/types/exports); build the package first'}.`);
  }
  for (const file of files) {
    if (SPEC_FILE.test(file)) problems.push(`${manifest.name}: the tarball ships the spec ${file}; exclude it in "files".`);
    const built = /^dist\/(.+)\.js$/.exec(file);
    if (built && !SPEC_FILE.test(file) && !have.has(`src/${built[1]}.ts`)) {
      problems.push(`${manifest.name}: ${file} has no source src/${built[1]}.ts: a stale build output; delete dist/ and rebuild.`);
    }
    const source = /^src\/(.+)\.ts$/.exec(file);
    if (source && !SPEC_FILE.test(file) && !file.endsWith('.d.ts')) {
      for (const out of [`dist/${source[1]}.js`, `dist/${source[1]}.d.ts`]) {
        if (!have.has(out)) problems.push(`${manifest.name}: ${file} was not built to ${out}; rebuild the package.`);
      }
    }
  }
  return problems;
}
