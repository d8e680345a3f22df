import { describe, expect, it } from 'vitest';
import { exportTargets, tarballProblems, type PackedManifest } from './tarball-contents.js';

const MANIFEST: PackedManifest = {
  name: '@seqtrain/example',
  main: './dist/index.js',
  types: './dist/index.d.ts',
  exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
};
const COMPLETE = ['package.json', 'README.md', 'src/index.ts', 'dist/index.js', 'dist/index.d.ts', 'dist/index.js.map'];

describe('tarballProblems', () => {
  it('accepts a complete tarball', () => {
    expect(tarballProblems(MANIFEST, COMPLETE)).toEqual([]);
  });

  it('names a missing exports target and a missing README', () => {
    const problems = tarballProblems(MANIFEST, COMPLETE.filter((f) => f !== 'dist/index.d.ts' && f !== 'README.md'));
    expect(problems).toEqual(
      expect.arrayContaining([
        '@seqtrain/example: the tarball lacks README.md.',
        '@seqtrain/example: the tarball lacks dist/index.d.ts (named by main/types/exports); build the package first.',
      ])
    );
  });

  it('names stale build outputs, unbuilt sources and shipped specs', () => {
    const problems = tarballProblems(MANIFEST, [...COMPLETE, 'dist/removed.js', 'src/added.ts', 'src/index.spec.ts']);
    expect(problems).toEqual([
      '@seqtrain/example: dist/removed.js has no source src/removed.ts: a stale build output; delete dist/ and rebuild.',
      '@seqtrain/example: src/added.ts was not built to dist/added.js; rebuild the package.',
      '@seqtrain/example: src/added.ts was not built to dist/added.d.ts; rebuild the package.',
      '@seqtrain/example: the tarball ships the spec src/index.spec.ts; exclude it in "files".',
    ]);
  });
});

describe('exportTargets', () => {
  it('collects conditions and subpaths, skipping patterns', () => {
    expect(exportTargets({ '.': { types: './a.d.ts', import: ['./a.js'] }, './x/*': './dist/x/*.js' })).toEqual(['./a.d.ts', './a.js']);
  });
});
