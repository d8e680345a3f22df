import { describe, expect, it } from 'vitest';
import { scratchEnv } from './npm-env.js';

describe('scratchEnv', () => {
  it('drops the workspace npm context and module paths, keeps user settings and the rest', () => {
    const env = scratchEnv({
      PATH: '/usr/bin',
      npm_config_local_prefix: '/work/main',
      npm_package_name: '@seqtrain/pack-check',
      npm_lifecycle_event: 'test',
      NODE_PATH: '/work/main/node_modules',
      NODE_OPTIONS: '--import /work/main/hook.js',
      npm_config_cache: '/root/.npm',
      NPM_CONFIG_REGISTRY: 'https://registry.example/',
    });
    expect(env).toEqual({ PATH: '/usr/bin', npm_config_cache: '/root/.npm', NPM_CONFIG_REGISTRY: 'https://registry.example/' });
  });
});
