/**
 * The packages work where users install them: `npm pack` each one, install the tarballs into a
 * scratch project in the system temp dir (outside the workspace: no workspace symlinks, no hoisted
 * workspace node_modules; third-party dependencies come from the npm registry, as a user's would),
 * compile consumer/train-two-ranks.ts there against the shipped .d.ts files, and run it there.
 * Nothing is written into the workspace (`--pack-destination`, and the scratch dir is removed).
 */
import { execFile } from 'node:child_process';
import { copyFile, lstat, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwoRankReport } from './consumer/train-two-ranks.js';
import { scratchEnv } from './npm-env.js';
import { tarballProblems, type PackedManifest } from './tarball-contents.js';

const exec = promisify(execFile);

const WORKSPACE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONSUMER_SOURCE = fileURLToPath(new URL('./consumer/train-two-ranks.ts', import.meta.url));
/** The publishable packages, in dependency order. */
const PACKAGES = ['common', 'protocol', 'collective', 'data', 'backend', 'rnn-kernels', 'rnn', 'models', 'trainer'] as const;
const NPM_INSTALL_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline'];
/** Packages that must share ONE @tensorflow/tfjs-core: backend sets the backend the others compute on. */
const TFJS_USERS = ['backend', 'rnn', 'models', 'trainer'] as const;
const CHILD_MAX_BUFFER_BYTES = 64 * 1024 * 1024;

interface PackResult {
  name: string;
  filename: string;
  files: { path: string }[];
}

const env = scratchEnv(process.env);
let work = '';
let scratch = '';
let packed: PackResult[] = [];

async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { cwd, env, maxBuffer: CHILD_MAX_BUFFER_BYTES });
    return stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'seqtrain-pack-check-'));
  const tarballs = path.join(work, 'tarballs');
  scratch = path.join(work, 'scratch');
  await mkdir(tarballs);
  await mkdir(scratch);
  const dirs = PACKAGES.map((p) => path.join(WORKSPACE_ROOT, 'packages', p));
  packed = JSON.parse(await run('npm', ['pack', ...dirs, '--pack-destination', tarballs, '--json'], work)) as PackResult[];
  await writeFile(
    path.join(scratch, 'package.json'),
    `${JSON.stringify({ name: 'seqtrain-pack-check-scratch', version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`
  );
  await run('npm', ['install', ...NPM_INSTALL_FLAGS, ...packed.map((p) => path.join(tarballs, p.filename))], scratch);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('packed packages installed outside the workspace', () => {
  it('packs every package with its build, types and exports targets, and no specs', async () => {
    expect(packed.map((p) => p.name)).toEqual(PACKAGES.map((p) => `@seqtrain/${p}`));
    const problems: string[] = [];
    for (const [i, p] of PACKAGES.entries()) {
      const manifest = JSON.parse(await readFile(path.join(WORKSPACE_ROOT, 'packages', p, 'package.json'), 'utf8')) as PackedManifest;
      problems.push(...tarballProblems(manifest, packed[i]?.files.map((f) => f.path) ?? []));
    }
    expect(problems).toEqual([]);
  });

  it('installs real copies from the tarballs, sharing one tfjs-core', async () => {
    for (const p of PACKAGES) {
      const dir = path.join(scratch, 'node_modules', '@seqtrain', p);
      expect((await lstat(dir)).isSymbolicLink(), `${dir} is a symlink`).toBe(false);
      expect(await realpath(dir)).toBe(dir);
    }
    const tfjsCore = TFJS_USERS.map((p) =>
      createRequire(path.join(scratch, 'node_modules', '@seqtrain', p, 'package.json')).resolve('@tensorflow/tfjs-core/package.json')
    );
    expect(new Set(tfjsCore)).toEqual(new Set([path.join(scratch, 'node_modules', '@tensorflow', 'tfjs-core', 'package.json')]));
  });

  it('compiles a consumer against the shipped declarations (strict, NodeNext)', async () => {
    const consumer = path.join(scratch, 'train-two-ranks.ts');
    await copyFile(CONSUMER_SOURCE, consumer);
    const { options, errors } = ts.convertCompilerOptionsFromJson(
      {
        target: 'ES2022',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUncheckedIndexedAccess: true,
        verbatimModuleSyntax: true,
        // Only @types/node is borrowed from the workspace; every other type comes from scratch/node_modules.
        types: ['node'],
        typeRoots: [path.join(WORKSPACE_ROOT, 'node_modules', '@types')],
      },
      scratch
    );
    expect(errors).toEqual([]);
    const program = ts.createProgram({ rootNames: [consumer], options });
    // Our declaration files are checked one by one: a whole-program check would also report the
    // third-party ones (tfjs-layers' and @webgpu/types' .d.ts fail strict checks without the DOM lib).
    const ours = program
      .getSourceFiles()
      .filter((f) => f.fileName === consumer || f.fileName.startsWith(path.join(scratch, 'node_modules', '@seqtrain') + path.sep));
    expect(ours.length).toBeGreaterThan(PACKAGES.length);
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...ours.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
    ];
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => scratch,
      getNewLine: () => '\n',
    };
    expect(ts.formatDiagnostics(diagnostics, host)).toBe('');
    const emitted = program.emit(program.getSourceFile(consumer));
    expect(emitted.emitSkipped).toBe(false);
  });

  it('trains two ranks over a WebSocket ring through the public imports, ending with equal weights', async () => {
    const stdout = await run(process.execPath, ['train-two-ranks.js', 'wasm'], scratch);
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as TwoRankReport;
    expect(report.backend).toBe('wasm');
    expect(report.worldSize).toBe(2);
    expect(report.parameterCount).toBeGreaterThan(0);
    // Different seeds per rank, so only the broadcast from rank 0 can make the replicas equal.
    expect(report.checksumsBeforeSync[0]).not.toBe(report.checksumsBeforeSync[1]);
    expect(report.checksumsAfterSync).toEqual([report.checksumsBeforeSync[0], report.checksumsBeforeSync[0]]);
    expect(report.losses).toHaveLength(2);
    for (const stepLosses of report.losses) {
      expect(stepLosses).toHaveLength(2);
      for (const loss of stepLosses) {
        expect(Number.isFinite(loss)).toBe(true);
        expect(loss).toBeGreaterThan(0);
      }
    }
    const [final0, final1] = report.checksumsAfterTraining;
    expect(final0).toBe(final1);
    expect(final0).not.toBe(report.checksumsAfterSync[0]);
    expect(Number.isFinite(report.weightSum)).toBe(true);
  });
});
