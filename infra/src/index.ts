// The namespace building blocks live in @seqtrain/netns (shared with tools/bench's shaped-link benchmark); re-exported here unchanged.
export { planNetnsCluster, newNetnsRunId, DEFAULT_NETNS_SUBNET, DEFAULT_NETNS_PREFIX, MAX_NETNS_WORKERS, IFNAME_MAX_CHARS, BRIDGE_NAME, HOST_INTERFACE_NAME } from '@seqtrain/netns';
export type { NetnsHost, NetnsPlan, NetnsPlanOptions } from '@seqtrain/netns';
export { NetnsNetwork, listNamespaces, isRoot, DEFAULT_TBF_BURST, DEFAULT_TBF_LATENCY } from '@seqtrain/netns';
export type { LinkShaping, NetnsNetworkOptions, TrafficCount } from '@seqtrain/netns';
export { runNetnsCluster, DEFAULT_NETNS_COORDINATOR_PORT, DEFAULT_NETNS_TIMEOUT_MS } from './netns-cluster.js';
export type { NetnsClusterOptions, NetnsClusterResult, NetnsHostResult } from './netns-cluster.js';
export { netnsClusterMain, parseNetnsCliArgs, formatTraffic, NETNS_CLI_USAGE } from './netns-cli.js';
export type { NetnsCliIo } from './netns-cli.js';
export { runSystemCommand, systemCommandAvailable } from '@seqtrain/netns';
