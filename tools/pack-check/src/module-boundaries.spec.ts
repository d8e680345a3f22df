/**
 * The module-boundary rules of eslint.config.js report what they should: each snippet is linted as if
 * it were a file inside a project (lintText with a filePath there; the file need not exist).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const WORKSPACE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONFIG_FILE = path.join(WORKSPACE_ROOT, 'eslint.config.js');

interface Project {
  root: string;
  name: string;
  tags: string[];
}

/** The named exports of eslint.config.js this spec uses (the config is plain JS, so typed here). */
interface BoundaryConfigModule {
  workspaceProjects(): Project[];
  boundaryViolation(source: Project, target: Project): string | undefined;
}

let eslint: ESLint;

async function lint(file: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(WORKSPACE_ROOT, file) });
  if (result === undefined) throw new Error(`ESLint returned no result for ${file}`);
  return result.messages;
}

function reports(messages: Linter.LintMessage[], ruleId: string): string[] {
  return messages.filter((m) => m.ruleId === ruleId).map((m) => m.message);
}

beforeAll(() => {
  eslint = new ESLint({ cwd: WORKSPACE_ROOT, overrideConfigFile: CONFIG_FILE });
});

describe('module boundaries (eslint.config.js)', () => {
  it('reports tfjs imported by collective, static, type-only and dynamic', async () => {
    const messages = await lint(
      'packages/collective/src/x.ts',
      [
        "import * as tf from '@tensorflow/tfjs-core';",
        "import type { LayersModel } from '@tensorflow/tfjs-layers';",
        'export const t: LayersModel | undefined = undefined;',
        'export const ops = tf;',
        "export async function load(): Promise<unknown> { return import('@tensorflow/tfjs-node'); }",
      ].join('\n')
    );
    const imports = reports(messages, 'no-restricted-imports');
    expect(imports).toHaveLength(2);
    for (const m of imports) expect(m).toContain('@seqtrain/collective (scope:collective) must not import @tensorflow/*');
    const dynamic = reports(messages, 'no-restricted-syntax');
    expect(dynamic).toHaveLength(1);
    expect(dynamic[0]).toContain('must not import @tensorflow/*');
    // Nx's own rule, fed the same constraints, reports them too (dynamic import included).
    const nxReports = reports(messages, '@nx/enforce-module-boundaries');
    expect(nxReports.length).toBeGreaterThanOrEqual(1);
    for (const m of nxReports) expect(m).toMatch(/scope:collective.*not allowed to import "@tensorflow\/tfjs-(core|layers|node)"/);
  });

  it('reports trainer, models and backend imported by data', async () => {
    const messages = await lint(
      'packages/data/src/x.ts',
      [
        "import { DataParallelTrainer } from '@seqtrain/trainer';",
        "import { buildModel } from '@seqtrain/models';",
        "export { selectBackend } from '@seqtrain/backend';",
        'export const used = [DataParallelTrainer, buildModel];',
      ].join('\n')
    );
    const imports = reports(messages, 'no-restricted-imports');
    expect(imports).toHaveLength(3);
    for (const name of ['@seqtrain/trainer', '@seqtrain/models', '@seqtrain/backend']) {
      expect(imports.some((m) => m.includes(`may only depend on projects tagged scope:common; ${name} is tagged`))).toBe(true);
    }
    const nxReports = reports(messages, '@nx/enforce-module-boundaries');
    expect(nxReports).toHaveLength(3);
    for (const m of nxReports) expect(m).toContain('"scope:data" can only depend on libs tagged with "scope:common"');
  });

  it('reports an app imported by a package, and keeps the shared restrictions beside it', async () => {
    const messages = await lint(
      'packages/models/src/x.ts',
      [
        "import { main } from '@seqtrain/cli';",
        "export async function worker(): Promise<unknown> { return import('@seqtrain/worker'); }",
        'export default main;',
      ].join('\n')
    );
    const imports = reports(messages, 'no-restricted-imports');
    expect(imports).toHaveLength(1);
    expect(imports[0]).toContain('@seqtrain/models (type:lib) may only depend on projects tagged type:lib; @seqtrain/cli is tagged type:app');
    const syntax = reports(messages, 'no-restricted-syntax');
    // The per-project block must not drop the workspace-wide rule (flat config replaces a rule's options).
    expect(syntax).toContain('Named exports only (house style).');
    expect(syntax.some((m) => m.includes('@seqtrain/worker is tagged type:app'))).toBe(true);
  });

  it('reports deep imports into a package and relative imports into another project', async () => {
    const messages = await lint(
      'packages/trainer/src/x.ts',
      [
        "import { Collective } from '@seqtrain/collective/dist/collective.js';",
        "import { Vocabulary } from '../../data/src/vocabulary.js';",
        'export const used = [Collective, Vocabulary];',
      ].join('\n')
    );
    const imports = reports(messages, 'no-restricted-imports');
    expect(imports).toHaveLength(2);
    expect(imports.some((m) => m.includes('by its name only'))).toBe(true);
    expect(imports.some((m) => m.includes('Relative imports stay inside their project'))).toBe(true);
  });

  it('accepts the allowed directions', async () => {
    const trainer = await lint(
      'packages/trainer/src/x.ts',
      [
        "import * as tf from '@tensorflow/tfjs-core';",
        "import { Collective } from '@seqtrain/collective';",
        "import { buildModel } from '@seqtrain/models';",
        "import { SeqtrainError } from '@seqtrain/common';",
        "import { helper } from './helper.js';",
        'export const used = [tf, Collective, buildModel, SeqtrainError, helper];',
      ].join('\n')
    );
    expect(trainer).toEqual([]);
    const cli = await lint(
      'apps/cli/src/commands/x.ts',
      [
        "import { Coordinator } from '@seqtrain/coordinator';",
        "import { helper } from '../helper.js';",
        "export async function bench(): Promise<unknown> { return [Coordinator, helper, await import('@seqtrain/bench')]; }",
      ].join('\n')
    );
    expect(cli).toEqual([]);
  });

  it('holds for the workspace dependencies every package.json declares', async () => {
    const config = (await import(pathToFileURL(CONFIG_FILE).href)) as BoundaryConfigModule;
    const projects = config.workspaceProjects();
    expect(projects.map((p) => p.name)).toEqual(expect.arrayContaining(['@seqtrain/collective', '@seqtrain/cli', '@seqtrain/pack-check']));
    const byName = new Map(projects.map((p) => [p.name, p]));
    const violations: string[] = [];
    for (const project of projects) {
      const manifest = JSON.parse(await readFile(path.join(WORKSPACE_ROOT, project.root, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
        const target = byName.get(dep);
        const why = target === undefined ? undefined : config.boundaryViolation(project, target);
        if (why !== undefined) violations.push(`${project.root}/package.json: ${why}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
