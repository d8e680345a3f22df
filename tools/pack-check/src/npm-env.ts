/**
 * The environment for npm and node runs in the scratch project. A script run by npm (as `npm test`
 * runs Nx, which runs vitest) inherits npm_config_* variables describing the workspace, among them
 * npm_config_local_prefix: an `npm install` that inherits it installs into the WORKSPACE. So every
 * npm_* variable goes except the settings a user's own npm would have (cache, registry, proxies,
 * certificates), and NODE_PATH / NODE_OPTIONS go too: either could let the consumer resolve or load
 * workspace files instead of the installed packages.
 */
const KEPT_NPM_SETTINGS = new Set([
  'npm_config_cache',
  'npm_config_registry',
  'npm_config_userconfig',
  'npm_config_globalconfig',
  'npm_config_cafile',
  'npm_config_strict_ssl',
  'npm_config_proxy',
  'npm_config_https_proxy',
  'npm_config_noproxy',
]);
const DROPPED = new Set(['node_path', 'node_options', 'init_cwd']);

export function scratchEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([key]) => {
      const k = key.toLowerCase();
      if (DROPPED.has(k)) return false;
      return !k.startsWith('npm_') || KEPT_NPM_SETTINGS.has(k);
    })
  );
}
