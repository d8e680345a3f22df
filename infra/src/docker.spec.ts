/**
 * infra/docker: structural checks of the Dockerfiles. There is no Docker engine here, so nothing is built:
 * these tests check what can be checked without one (base images and the versions they must match, the
 * entry point, that every COPY source exists and is not excluded by the per-Dockerfile ignore file, and
 * that the images the Kubernetes manifests use are the ones built here). Whether the images build and run
 * is only known from `docker build` (infra/docker/README.md).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DOCKER_DIR = join(REPO, 'infra/docker');
const K8S_DIR = join(REPO, 'infra/k8s');
const CLI_ENTRY = 'apps/cli/bin/seqtrain.js';

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(file: string): Instruction[] {
  const joined = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [keyword = '', ...rest] = l.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** The .dockerignore patterns used here (`name`, `dir/name`, `**\/name`, `*` within a segment) as one test. */
function ignoredBy(ignoreFile: string): (path: string) => boolean {
  const patterns = readFileSync(ignoreFile, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  expect(patterns.filter((p) => p.startsWith('!')), 'negated patterns are not modelled by this test').toEqual([]);
  // Anchored at the context root; `**` is any number of directories, zero included; a match covers everything below.
  const regexes = patterns.map((p) => {
    const body = p
      .replace(/^\//, '')
      .split('/')
      .map((seg) => (seg === '**' ? '(?:[^/]+/)*' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '/'))
      .join('')
      .replace(/\/$/, '');
    return new RegExp(`^${body}(?:/.*)?$`);
  });
  return (path) => regexes.some((r) => r.test(path));
}

function lockedVersion(name: string): string | undefined {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  return lock.packages[`node_modules/${name}`]?.version;
}

/** package.json of the root and of every workspace: `npm ci` needs them all in the build context. */
function workspaceManifests(): string[] {
  const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] };
  const manifests = ['package.json', 'package-lock.json'];
  for (const w of root.workspaces) {
    const dirs = w.endsWith('/*') ? readdirSync(join(REPO, w.slice(0, -2))).map((d) => `${w.slice(0, -2)}/${d}`) : [w];
    for (const d of dirs) if (existsSync(join(REPO, d, 'package.json'))) manifests.push(`${d}/package.json`);
  }
  return manifests;
}

describe.each([
  { flavour: 'gpu', from: 'nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04' },
  { flavour: 'cpu', from: 'node:20-bookworm-slim' },
])('infra/docker/Dockerfile.$flavour', ({ flavour, from }) => {
  const dockerfile = join(DOCKER_DIR, `Dockerfile.${flavour}`);
  const steps = instructions(dockerfile);

  it(`builds FROM ${from} only`, () => {
    expect(steps.filter((s) => s.keyword === 'FROM').map((s) => s.args)).toEqual([from]);
  });

  it(`runs ${CLI_ENTRY} in exec form as an unprivileged user`, () => {
    const entrypoint = steps.filter((s) => s.keyword === 'ENTRYPOINT').map((s) => JSON.parse(s.args) as string[]);
    expect(entrypoint).toEqual([['node', CLI_ENTRY]]);
    expect(existsSync(join(REPO, CLI_ENTRY))).toBe(true);
    const user = steps.filter((s) => s.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)$/);
  });

  it('installs with npm ci from the lockfile and builds', () => {
    const run = steps.filter((s) => s.keyword === 'RUN').map((s) => s.args).join('\n');
    expect(run).toMatch(/npm ci\b/);
    expect(run).toMatch(/npm run build\b/);
  });

  it('copies only sources that exist, and the ignore file keeps what the build needs', () => {
    const sources = steps
      .filter((s) => s.keyword === 'COPY' && !s.args.includes('--from='))
      .flatMap((s) => {
        const parts = s.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        return parts.slice(0, -1);
      });
    const isIgnored = ignoredBy(`${dockerfile}.dockerignore`);
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(existsSync(join(REPO, src)), `COPY source ${src}`).toBe(true);
      if (src !== '.') expect(isIgnored(src), `COPY source ${src} is excluded by the ignore file`).toBe(false);
    }
    // `COPY . .` then `npm ci`: every manifest, the CLI and the default corpus must reach the context.
    for (const needed of [...workspaceManifests(), CLI_ENTRY, 'datasets/text/moby-dick.txt', 'nx.json', 'tsconfig.base.json', 'packages/common/src/index.ts']) {
      expect(isIgnored(needed), `${needed} must be in the build context`).toBe(false);
    }
    for (const excluded of ['node_modules/ws/package.json', 'packages/common/dist/index.js', 'infra/node_modules/x', '.git/HEAD', '.nx/cache/x', 'runs/r1/summary.json']) {
      expect(isIgnored(excluded), `${excluded} must stay out of the build context`).toBe(true);
    }
  });
});

describe('infra/docker versions', () => {
  it('pairs the CUDA 11.2 / cuDNN 8 base with the tfjs-node-gpu version it was chosen for', () => {
    // tfjs-node(-gpu) 4.22.0 loads libtensorflow 2.9.1, built for CUDA 11.2 and cuDNN 8.1. A different
    // version in the lockfile may need another base image: revisit Dockerfile.gpu, then this test.
    expect(lockedVersion('@tensorflow/tfjs-node-gpu')).toBe('4.22.0');
    expect(lockedVersion('@tensorflow/tfjs-node')).toBe('4.22.0');
    const gpu = readFileSync(join(DOCKER_DIR, 'Dockerfile.gpu'), 'utf8');
    expect(gpu).toMatch(/^FROM nvidia\/cuda:11\.2\.\d+-cudnn8-runtime-/m);
    expect(gpu).toMatch(/find node_modules\/@tensorflow\/tfjs-node-gpu -name tfjs_binding\.node/);
  });

  it('installs the Node major that package.json engines asks for', () => {
    const engines = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const major = /^>=(\d+)\./.exec(engines)?.[1];
    expect(major).toBe('20');
    expect(readFileSync(join(DOCKER_DIR, 'Dockerfile.gpu'), 'utf8')).toMatch(new RegExp(`^ARG NODE_MAJOR=${major}$`, 'm'));
    expect(readFileSync(join(DOCKER_DIR, 'Dockerfile.cpu'), 'utf8')).toMatch(new RegExp(`^FROM node:${major}-`, 'm'));
  });

  it('builds the images the Kubernetes manifests run', () => {
    const images = readdirSync(K8S_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => [...readFileSync(join(K8S_DIR, f), 'utf8').matchAll(/^\s*image:\s*(\S+)/gm)].map((m) => m[1] ?? ''));
    expect(new Set(images)).toEqual(new Set(['seqtrain:cpu', 'seqtrain:gpu']));
    for (const image of images) expect(existsSync(join(DOCKER_DIR, `Dockerfile.${image.split(':')[1]}`)), image).toBe(true);
  });
});
