export { planNetnsCluster, newNetnsRunId, DEFAULT_NETNS_SUBNET, DEFAULT_NETNS_PREFIX, MAX_NETNS_WORKERS, IFNAME_MAX_CHARS, BRIDGE_NAME, HOST_INTERFACE_NAME } from './netns-plan.js';
export type { NetnsHost, NetnsPlan, NetnsPlanOptions } from './netns-plan.js';
export { NetnsNetwork, listNamespaces, isRoot, DEFAULT_TBF_BURST, DEFAULT_TBF_LATENCY } from './netns-network.js';
export type { LinkShaping, NetnsNetworkOptions, TrafficCount } from './netns-network.js';
export { runNetnsCluster, DEFAULT_NETNS_COORDINATOR_PORT, DEFAULT_NETNS_TIMEOUT_MS } from './netns-cluster.js';
export type { NetnsClusterOptions, NetnsClusterResult, NetnsHostResult } from './netns-cluster.js';
export { netnsClusterMain, parseNetnsCliArgs, formatTraffic, NETNS_CLI_USAGE } from './netns-cli.js';
export type { NetnsCliIo } from './netns-cli.js';
export { runSystemCommand, systemCommandAvailable } from './system-command.js';
