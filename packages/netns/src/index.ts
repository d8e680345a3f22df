export { planNetnsCluster, newNetnsRunId, DEFAULT_NETNS_SUBNET, DEFAULT_NETNS_PREFIX, MAX_NETNS_WORKERS, IFNAME_MAX_CHARS, BRIDGE_NAME, HOST_INTERFACE_NAME } from './netns-plan.js';
export type { NetnsHost, NetnsPlan, NetnsPlanOptions } from './netns-plan.js';
export { NetnsNetwork, listNamespaces, isRoot, DEFAULT_TBF_BURST, DEFAULT_TBF_LATENCY } from './netns-network.js';
export type { LinkShaping, NetnsNetworkOptions, TrafficCount } from './netns-network.js';
export { runSystemCommand, systemCommandAvailable } from './system-command.js';
