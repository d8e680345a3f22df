/**
 * The names and addresses of one network-namespace cluster, decided before anything is created.
 *
 * Topology: one "switch" namespace holds a Linux bridge; every host namespace (the coordinator, then
 * the workers) is joined to it by a veth pair whose host end is `eth0` and whose switch end is a bridge
 * port named after the host. Nothing is created in the root namespace, so
 *  - interface names only need to be unique inside the run's own switch namespace (all are far below
 *    IFNAMSIZ, 15 characters), and parallel runs can never collide on them;
 *  - every run may use the same private /24: the bridges are separate L2 segments with no route between
 *    them, and the root namespace's routing table is never touched;
 *  - the only globally visible names are the namespaces, `<prefix>-<runId>-<role>`, with a random runId.
 */
import { randomBytes } from 'node:crypto';
import { SeqtrainError } from '@seqtrain/common';

/** Default private subnet; the run's bridge is isolated, so this never clashes with the host's routes. */
export const DEFAULT_NETNS_SUBNET = '10.231.0.0/24';
export const DEFAULT_NETNS_PREFIX = 'sqt';
/** Host addresses .1 (coordinator) to .254 (last worker) of the /24. */
export const MAX_NETNS_WORKERS = 253;
/** Linux IFNAMSIZ is 16 including the terminating NUL. */
export const IFNAME_MAX_CHARS = 15;
/** Name of the bridge inside the switch namespace. */
export const BRIDGE_NAME = 'br0';
/** Name of each host's interface inside its own namespace. */
export const HOST_INTERFACE_NAME = 'eth0';
const RUN_ID_BYTES = 3;
const PREFIX_PATTERN = /^[a-z][a-z0-9]{0,7}$/;
const SUBNET_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/;

export interface NetnsHost {
  /** `coordinator` for index 0, `worker` for the rest. */
  role: 'coordinator' | 'worker';
  /** 0 = coordinator, 1..N = worker 0..N-1. */
  index: number;
  /** Worker number (0-based) for workers, null for the coordinator. */
  worker: number | null;
  /** The namespace, `<prefix>-<runId>-c` or `<prefix>-<runId>-w<k>`; also the host's UTS hostname. */
  namespace: string;
  /** IPv4 address of the host's eth0. */
  address: string;
  /** The veth end inside the switch namespace, attached to the bridge: `c` or `w<k>`. */
  switchPort: string;
}

export interface NetnsPlan {
  runId: string;
  prefix: string;
  subnet: string;
  /** `<prefix>-<runId>-sw`: holds the bridge and the switch ends of the veth pairs. */
  switchNamespace: string;
  bridge: string;
  /** hosts[0] is the coordinator, hosts[1..] the workers. */
  hosts: NetnsHost[];
}

export interface NetnsPlanOptions {
  workers: number;
  prefix?: string;
  /** An IPv4 /24 written `A.B.C.0/24`. */
  subnet?: string;
  /** Fixed run id (tests); otherwise 6 random hex digits. */
  runId?: string;
}

export function newNetnsRunId(): string {
  return randomBytes(RUN_ID_BYTES).toString('hex');
}

export function planNetnsCluster(options: NetnsPlanOptions): NetnsPlan {
  const prefix = options.prefix ?? DEFAULT_NETNS_PREFIX;
  const subnet = options.subnet ?? DEFAULT_NETNS_SUBNET;
  const runId = options.runId ?? newNetnsRunId();
  if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > MAX_NETNS_WORKERS) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `workers must be an integer from 1 to ${MAX_NETNS_WORKERS} (one /24 holds the coordinator and the workers), got ${options.workers}.`,
      { field: 'workers' }
    );
  }
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `prefix must be 1-8 lowercase letters or digits starting with a letter, got "${prefix}".`,
      { field: 'prefix' }
    );
  }
  if (!/^[a-z0-9]{1,8}$/.test(runId)) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `runId must be 1-8 lowercase letters or digits, got "${runId}".`, { field: 'runId' });
  }
  const base = parseSubnet(subnet);
  const namespace = (role: string) => `${prefix}-${runId}-${role}`;
  const hosts: NetnsHost[] = [];
  for (let index = 0; index <= options.workers; index++) {
    const worker = index === 0 ? null : index - 1;
    const role = worker === null ? 'c' : `w${worker}`;
    hosts.push({
      role: worker === null ? 'coordinator' : 'worker',
      index,
      worker,
      namespace: namespace(role),
      address: `${base}.${index + 1}`,
      switchPort: role,
    });
  }
  return { runId, prefix, subnet, switchNamespace: namespace('sw'), bridge: BRIDGE_NAME, hosts };
}

/** `A.B.C.0/24` -> `A.B.C`, or an error naming the expected form. */
function parseSubnet(subnet: string): string {
  const m = SUBNET_PATTERN.exec(subnet);
  const octets = m ? [m[1], m[2], m[3]].map(Number) : [];
  if (!m || octets.some((o) => o > 255)) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `subnet must be an IPv4 /24 written A.B.C.0/24 (e.g. ${DEFAULT_NETNS_SUBNET}), got "${subnet}".`, {
      field: 'subnet',
    });
  }
  return octets.join('.');
}
