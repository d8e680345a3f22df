/**
 * Creates and destroys the network of a NetnsPlan: the switch namespace with its bridge, one namespace
 * per host joined to the bridge by a veth pair, optional link shaping, and per-pair traffic counters.
 *
 * Traffic counters: every bridge port gets an htb qdisc (egress of a port = frames delivered to that
 * host) with one class per other host, chosen by a u32 filter on the IPv4 source address, and a default
 * class for the rest (ARP, anything else). The class byte counters are therefore the kernel's count of the
 * bytes host i sent host j, Ethernet and IP headers included. htb is used because this kernel has only
 * htb, tbf and u32 of the tc schedulers and classifiers (no prio, drr or netem; action modules absent).
 * Its classes run at 100gbit, above what a veth carries here: a 2 GiB TCP pump between two namespaces
 * measured 16-17 Gbit/s without the qdisc and 15-20 Gbit/s with it.
 *
 * Shaping: each host's own eth0 gets `tbf rate R burst B latency L`, i.e. its transmit rate is capped as
 * a NIC's would be (a 2 GiB pump measured 0.95 Gbit/s under `rate 1gbit`). tbf cannot add delay: netem is
 * absent from this kernel, so latency emulation is not offered.
 */
import { SeqtrainError } from '@seqtrain/common';
import { HOST_INTERFACE_NAME, type NetnsPlan } from './netns-plan.js';
import { runSystemCommand } from './system-command.js';

export interface LinkShaping {
  /** tc rate, e.g. `1gbit`, `100mbit`. */
  rate: string;
  /** tbf bucket size; default `256kb`. */
  burst?: string;
  /** tbf's longest queueing delay before drops (not an added delay); default `50ms`. */
  latency?: string;
}

export interface NetnsNetworkOptions {
  /** Cap every host's transmit rate with tbf. */
  shaping?: LinkShaping;
  /** Count the bytes between every pair of hosts (default true). */
  traffic?: boolean;
  /**
   * MTU of every link (both veth ends, hence the bridge) in bytes; default the kernel's 1500. Jumbo frames
   * (9000, as data-centre fabrics run) raise TCP's share of a shaped link from 1448/1514 to 8948/9014 bytes.
   */
  mtu?: number;
}

export interface TrafficCount {
  /** Sending host's namespace. */
  from: string;
  /** Receiving host's namespace. */
  to: string;
  /** Bytes of the IPv4 frames from `from`'s address delivered to `to`'s port (headers included). */
  bytes: number;
  packets: number;
}

export const DEFAULT_TBF_BURST = '256kb';
/** Ethernet's smallest IPv4 MTU (RFC 791: 68) and the veth driver's largest. */
export const MIN_MTU_BYTES = 68;
export const MAX_MTU_BYTES = 65_535;
export const DEFAULT_TBF_LATENCY = '50ms';
/** Above any veth's throughput here, so the counting classes never limit. */
const COUNTING_CLASS_RATE = '100gbit';
/** Bytes an htb class may send per round; set explicitly because the rate/r2q default overflows at 100gbit. */
const COUNTING_CLASS_QUANTUM_BYTES = 60_000;
const DEFAULT_CLASS_MINOR = 'ffff';
const ROOT_HINT =
  'Network namespaces need root with CAP_SYS_ADMIN and CAP_NET_ADMIN: run with sudo, or in a privileged container (docker run --privileged, or --cap-add SYS_ADMIN --cap-add NET_ADMIN).';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** htb class of the traffic coming from plan.hosts[index]. */
function classMinor(index: number): string {
  return (index + 1).toString(16);
}

export class NetnsNetwork {
  /** Namespaces this object created, in creation order; only these are ever deleted. */
  private readonly created: string[] = [];

  private constructor(
    readonly plan: NetnsPlan,
    private readonly options: NetnsNetworkOptions
  ) {}

  /** Creates the whole network; on any failure removes what it had created and rethrows. */
  static async create(plan: NetnsPlan, options: NetnsNetworkOptions = {}): Promise<NetnsNetwork> {
    const { mtu } = options;
    if (mtu !== undefined && (!Number.isInteger(mtu) || mtu < MIN_MTU_BYTES || mtu > MAX_MTU_BYTES)) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `MTU must be an integer from ${MIN_MTU_BYTES} to ${MAX_MTU_BYTES} bytes; got ${mtu}. Use 1500 (Ethernet) or 9000 (jumbo frames).`, {
        field: 'mtu',
      });
    }
    if (!isRoot()) {
      throw new SeqtrainError('ERR_SYSTEM_COMMAND', `The network-namespace cluster must run as root (uid ${process.getuid?.() ?? '?'}). ${ROOT_HINT}`, {
        command: 'ip netns add',
      });
    }
    const network = new NetnsNetwork(plan, options);
    try {
      await network.build();
    } catch (err) {
      await network.destroy().catch(() => {});
      throw err;
    }
    return network;
  }

  private async addNamespace(name: string): Promise<void> {
    try {
      await runSystemCommand('ip', ['netns', 'add', name]);
    } catch (err) {
      const e = err as SeqtrainError;
      throw new SeqtrainError('ERR_SYSTEM_COMMAND', `${e.message.replace(/\.?$/, '.')} ${ROOT_HINT}`, e.details, { cause: err });
    }
    this.created.push(name);
  }

  private async build(): Promise<void> {
    const { plan } = this;
    const sw = plan.switchNamespace;
    await this.addNamespace(sw);
    await runSystemCommand('ip', ['-n', sw, '-batch', '-'], [`link add name ${plan.bridge} type bridge`, `link set dev ${plan.bridge} up`].join('\n'));
    for (const host of plan.hosts) {
      await this.addNamespace(host.namespace);
      // Created inside the switch namespace with its peer placed straight into the host's: no name ever
      // exists in the root namespace. `name`/`dev` keywords always: `ip link add a ...` would read `a` as `address`.
      await runSystemCommand(
        'ip',
        ['-n', sw, '-batch', '-'],
        [
          `link add name ${host.switchPort} type veth peer name ${HOST_INTERFACE_NAME} netns ${host.namespace}`,
          `link set dev ${host.switchPort} master ${plan.bridge}`,
          ...(this.options.mtu !== undefined ? [`link set dev ${host.switchPort} mtu ${this.options.mtu}`] : []),
          `link set dev ${host.switchPort} up`,
        ].join('\n')
      );
      await runSystemCommand(
        'ip',
        ['-n', host.namespace, '-batch', '-'],
        [
          `link set dev lo up`,
          `addr add ${host.address}/24 dev ${HOST_INTERFACE_NAME}`,
          ...(this.options.mtu !== undefined ? [`link set dev ${HOST_INTERFACE_NAME} mtu ${this.options.mtu}`] : []),
          `link set dev ${HOST_INTERFACE_NAME} up`,
        ].join('\n')
      );
      const shaping = this.options.shaping;
      if (shaping) {
        const burst = shaping.burst ?? DEFAULT_TBF_BURST;
        const latency = shaping.latency ?? DEFAULT_TBF_LATENCY;
        await runSystemCommand('tc', ['-n', host.namespace, 'qdisc', 'add', 'dev', HOST_INTERFACE_NAME, 'root', 'tbf', 'rate', shaping.rate, 'burst', burst, 'latency', latency]);
      }
    }
    if (this.options.traffic !== false) await runSystemCommand('tc', ['-n', sw, '-batch', '-'], this.countingCommands().join('\n'));
  }

  private countingCommands(): string[] {
    const lines: string[] = [];
    const klass = (port: string, minor: string) =>
      `class add dev ${port} parent 1: classid 1:${minor} htb rate ${COUNTING_CLASS_RATE} quantum ${COUNTING_CLASS_QUANTUM_BYTES}`;
    for (const to of this.plan.hosts) {
      lines.push(`qdisc add dev ${to.switchPort} root handle 1: htb default ${DEFAULT_CLASS_MINOR}`, klass(to.switchPort, DEFAULT_CLASS_MINOR));
      for (const from of this.plan.hosts) {
        if (from === to) continue;
        lines.push(
          klass(to.switchPort, classMinor(from.index)),
          `filter add dev ${to.switchPort} parent 1: protocol ip prio 1 u32 match ip src ${from.address}/32 flowid 1:${classMinor(from.index)}`
        );
      }
    }
    return lines;
  }

  /** Bytes and packets between every ordered pair of hosts so far (empty when counting is off). */
  async traffic(): Promise<TrafficCount[]> {
    if (this.options.traffic === false) return [];
    const counts: TrafficCount[] = [];
    for (const to of this.plan.hosts) {
      const text = await runSystemCommand('tc', ['-n', this.plan.switchNamespace, '-s', 'class', 'show', 'dev', to.switchPort]);
      // iproute2 6.1 prints htb classes as text only (-j is ignored for them): "class htb 1:2 ...\n Sent B bytes P pkt".
      const sent = new Map<string, { bytes: number; packets: number }>();
      for (const m of text.matchAll(/class htb 1:([0-9a-f]+)[^\n]*\n\s*Sent (\d+) bytes (\d+) pkt/g)) {
        sent.set(m[1] ?? '', { bytes: Number(m[2]), packets: Number(m[3]) });
      }
      for (const from of this.plan.hosts) {
        if (from === to) continue;
        const s = sent.get(classMinor(from.index));
        if (!s) {
          throw new SeqtrainError('ERR_SYSTEM_COMMAND', `No htb class 1:${classMinor(from.index)} on port ${to.switchPort} of ${this.plan.switchNamespace}; tc printed: ${text}`, {
            command: 'tc class show',
          });
        }
        counts.push({ from: from.namespace, to: to.namespace, ...s });
      }
    }
    return counts;
  }

  /**
   * Deletes the namespaces this object created, hosts first. Deleting a namespace destroys its veth end
   * and with it the peer; the switch namespace takes the bridge with it. Kill the processes inside first:
   * a namespace with live processes loses its name but lives on until they exit.
   * Resolves with the names still listed by `ip netns list` afterwards (empty on success).
   */
  async destroy(): Promise<string[]> {
    const failures: string[] = [];
    while (this.created.length > 0) {
      const name = this.created.pop() as string;
      await runSystemCommand('ip', ['netns', 'delete', name]).catch((err: Error) => failures.push(err.message));
    }
    const mine = [this.plan.switchNamespace, ...this.plan.hosts.map((h) => h.namespace)];
    const leftover = (await listNamespaces()).filter((n) => mine.includes(n));
    if (failures.length > 0 && leftover.length > 0) {
      throw new SeqtrainError('ERR_SYSTEM_COMMAND', `Could not delete network namespaces ${leftover.join(', ')}: ${failures.join('; ')}. Delete them with: ip netns delete NAME.`, {
        command: 'ip netns delete',
      });
    }
    return leftover;
  }
}

/** Names listed by `ip netns list` (one per line, optionally followed by ` (id: N)`). */
export async function listNamespaces(): Promise<string[]> {
  const text = await runSystemCommand('ip', ['netns', 'list']);
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.length > 0);
}
