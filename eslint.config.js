// Flat ESLint config shared by every project (each project lints its own src/).
//
// Module boundaries, Nx-style: every project carries tags in its package.json `nx.tags`
// (`type:lib|app|tool|infra`, and `scope:<name>` for the packages), and DEP_CONSTRAINTS below say,
// per source tag, which tags its workspace dependencies must carry and which external modules it
// may not import: the shape of the `depConstraints` of @nx/enforce-module-boundaries.
//
// Two layers enforce DEP_CONSTRAINTS:
//   1. @nx/enforce-module-boundaries itself, fed the same constraints, on Nx's project graph. It ships in
//      @nx/eslint-plugin, which has no 23.3.x release while the workspace pins nx 23.3.1; the root
//      package.json `overrides` point @nx/eslint-plugin@23.2.1 at @nx/devkit and @nx/js 23.3.1, so
//      there is exactly one nx (`npm ls nx`) and one project graph.
//   2. Core ESLint rules compiled from the same table, which also see what the Nx rule does not:
//      - `no-restricted-imports` for static imports, `export ... from` and `import type`;
//      - `no-restricted-syntax` for dynamic `import()` (the CLI loads packages lazily).
//      Each project gets exactly ONE block setting each of these two rules, holding all of its
//      restrictions: flat config does not merge a rule's options across blocks (the last matching
//      block wins), so hand-written per-package blocks had to repeat every shared restriction or lose it.
// tools/pack-check/src/module-boundaries.spec.ts proves the rules report what they should.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

const WORKSPACE_ROOT = path.dirname(fileURLToPath(import.meta.url));

const TFJS = ['@tensorflow/*'];

const LIBS_BELOW_APPS = 'Apps depend on packages, never the reverse.';
const LAYERS =
  'The packages are layered: common <- protocol, collective, data, backend, rnn-kernels <- rnn <- models <- trainer (README, Architecture).';
const NO_TFJS = 'tfjs stays in backend, rnn, models and trainer.';

/**
 * onlyDependOnLibsWithTags: each workspace dependency must carry at least one of these tags.
 * bannedExternalImports: module patterns (gitignore style) a project with the tag must not import.
 * reason: appended to every report, so the message says why as well as what.
 * Every constraint whose sourceTag a project carries applies to it.
 */
export const DEP_CONSTRAINTS = [
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'], reason: LIBS_BELOW_APPS },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:app', 'type:tool'], reason: LIBS_BELOW_APPS },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'], reason: 'Tools use the packages, not the apps.' },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:lib', 'type:app', 'type:tool'], reason: LIBS_BELOW_APPS },
  { sourceTag: 'scope:common', onlyDependOnLibsWithTags: [], bannedExternalImports: TFJS, reason: `${LAYERS} ${NO_TFJS}` },
  { sourceTag: 'scope:protocol', onlyDependOnLibsWithTags: ['scope:common'], bannedExternalImports: TFJS, reason: `${LAYERS} ${NO_TFJS}` },
  {
    sourceTag: 'scope:collective',
    onlyDependOnLibsWithTags: ['scope:common'],
    bannedExternalImports: TFJS,
    reason: `${LAYERS} The collective layer moves Float32Arrays and knows nothing of tfjs.`,
  },
  {
    sourceTag: 'scope:data',
    onlyDependOnLibsWithTags: ['scope:common'],
    bannedExternalImports: TFJS,
    reason: `${LAYERS} Data hands out Int32Array batches and knows nothing of models, training or tensors.`,
  },
  {
    sourceTag: 'scope:netns',
    onlyDependOnLibsWithTags: ['scope:common'],
    bannedExternalImports: TFJS,
    reason: 'Network namespaces, veth pairs, bridges and tc are system plumbing: they know nothing of training or tensors.',
  },
  { sourceTag: 'scope:backend', onlyDependOnLibsWithTags: ['scope:common'], reason: LAYERS },
  {
    sourceTag: 'scope:rnn-kernels',
    onlyDependOnLibsWithTags: ['scope:common'],
    bannedExternalImports: TFJS,
    reason: `${LAYERS} The recurrence kernels compute on Float32Arrays and know nothing of tfjs.`,
  },
  {
    sourceTag: 'scope:rnn',
    onlyDependOnLibsWithTags: ['scope:common', 'scope:backend', 'scope:rnn-kernels'],
    reason: LAYERS,
  },
  { sourceTag: 'scope:models', onlyDependOnLibsWithTags: ['scope:common', 'scope:backend', 'scope:rnn'], reason: LAYERS },
  {
    sourceTag: 'scope:trainer',
    onlyDependOnLibsWithTags: ['scope:common', 'scope:backend', 'scope:models', 'scope:collective'],
    reason: LAYERS,
  },
];

const TYPE_TAGS = ['type:lib', 'type:app', 'type:tool', 'type:infra'];

/** The projects of the root package.json `workspaces` (`dir/*` globs and plain folders). */
export function workspaceProjects(root = WORKSPACE_ROOT) {
  const { workspaces } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const dirs = workspaces.flatMap((entry) => {
    if (!entry.endsWith('/*')) return [entry];
    const parent = entry.slice(0, -2);
    return readdirSync(path.join(root, parent), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `${parent}/${d.name}`);
  });
  return dirs
    .filter((dir) => existsSync(path.join(root, dir, 'package.json')))
    .sort()
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
      const tags = manifest.nx?.tags ?? [];
      const typeTags = tags.filter((t) => TYPE_TAGS.includes(t));
      if (typeTags.length !== 1) {
        throw new Error(
          `${dir}/package.json must carry exactly one of the tags ${TYPE_TAGS.join(', ')} in "nx.tags" ` +
            `(the module-boundary rules in eslint.config.js key on it); it has ${JSON.stringify(tags)}.`
        );
      }
      return { root: dir, name: manifest.name, tags };
    });
}

/**
 * Why `source` may not depend on the workspace project `target`, or undefined when it may.
 * Also used by the spec to check package.json dependencies against the same constraints.
 */
export function boundaryViolation(source, target) {
  if (source.name === target.name) return undefined;
  for (const c of DEP_CONSTRAINTS) {
    if (!source.tags.includes(c.sourceTag)) continue;
    if (!c.onlyDependOnLibsWithTags.some((t) => target.tags.includes(t))) {
      const allowed = c.onlyDependOnLibsWithTags.length ? c.onlyDependOnLibsWithTags.join(', ') : 'no workspace project';
      return (
        `${source.name} (${c.sourceTag}) may only depend on projects tagged ${allowed}; ` +
        `${target.name} is tagged ${target.tags.join(', ')}. ${c.reason}`
      );
    }
  }
  return undefined;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** gitignore-style pattern (only `*` wildcards) -> a RegExp source matching the module and its subpaths. */
function patternRegExpSource(pattern) {
  return `^${pattern.split('*').map(escapeRegExp).join('[^/]*')}(\\/|$)`;
}

const BASE_SYNTAX_RESTRICTIONS = [
  { selector: 'ExportDefaultDeclaration', message: 'Named exports only (house style).' },
];

const DEEP_IMPORT = {
  group: ['@seqtrain/*/*', '!@seqtrain/*/package.json'],
  message: 'Import a workspace package by its name only: its src/index.ts (the `exports` map) is its public surface.',
};

const RELATIVE_ESCAPE = {
  regex: '^(\\.\\./)+([^./][^/]*/)+(src|dist)/',
  message: "Relative imports stay inside their project; import another project by its package name.",
};

/** The restrictions of one project: workspace projects it may not use, banned externals, deep and relative escapes. */
export function projectRestrictions(project, projects) {
  const bannedProjects = projects
    .map((target) => ({ target, why: boundaryViolation(project, target) }))
    .filter((b) => b.why !== undefined);
  const bannedExternal = DEP_CONSTRAINTS.filter((c) => project.tags.includes(c.sourceTag)).flatMap((c) =>
    (c.bannedExternalImports ?? []).map((pattern) => ({
      pattern,
      why: `${project.name} (${c.sourceTag}) must not import ${pattern}. ${c.reason}`,
    }))
  );
  const patterns = [
    ...bannedProjects.map(({ target, why }) => ({ group: [target.name, `${target.name}/*`], message: why })),
    ...bannedExternal.map(({ pattern, why }) => ({ group: [pattern], message: why })),
    DEEP_IMPORT,
    RELATIVE_ESCAPE,
  ];
  const dynamic = [
    ...bannedProjects.map(({ target, why }) => ({ source: patternRegExpSource(target.name), why })),
    ...bannedExternal.map(({ pattern, why }) => ({ source: patternRegExpSource(pattern), why })),
  ].map(({ source, why }) => ({ selector: `ImportExpression[source.value=/${source}/]`, message: why }));
  return {
    'no-restricted-imports': ['error', { patterns }],
    'no-restricted-syntax': ['error', ...BASE_SYNTAX_RESTRICTIONS, ...dynamic],
  };
}

const PROJECTS = workspaceProjects();

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', ...BASE_SYNTAX_RESTRICTIONS],
    },
  },
  ...nx.configs['flat/base'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          enforceBuildableLibDependency: false,
          depConstraints: DEP_CONSTRAINTS.map(({ reason: _reason, ...constraint }) => constraint),
        },
      ],
    },
  },
  // One block per project (their roots are disjoint), each with all of the project's restrictions.
  ...PROJECTS.map((project) => ({
    files: [`${project.root}/**/*.ts`],
    rules: projectRestrictions(project, PROJECTS),
  }))
);
