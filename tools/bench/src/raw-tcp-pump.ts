/**
 * The reference the all-reduce is compared with: plain TCP sockets (node `net`, TCP_NODELAY, no
 * framing, no copies beyond what the kernel does) where every rank streams bytes to the next rank
 * and receives as many from the previous one, i.e. the same ring link pattern as the all-reduce.
 *
 * It is the upper bound of what a tuned node socket moves around that ring: the sender writes one
 * preallocated buffer over and over (no per-write allocation or copy), waits for 'drain' only when
 * write() reports a full buffer, and the receiver only counts the bytes. Variants measured on the
 * idle 2-core machine and dropped because they were not faster (scratch two- and N-process pumps,
 * 1 GiB per link): 4 MB and 16 MB writes (0.62-0.67 GB/s per link vs 0.70 with 1 MB), and `onread`
 * into one reused receive buffer (0.38-0.47 GB/s). The one-way mode (rank 0 -> rank 1 only, the
 * classic two-process pump) is the check: a ring link where every process also receives shares each
 * core between a sending and a receiving side, so it moves about half of the one-way figure.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { SeqtrainError } from '@seqtrain/common';

/** Write size of the pump; the same as the all-reduce's CHUNK_BYTES so both hand the kernel equal pieces. */
const PUMP_WRITE_BYTES = 1024 * 1024;

export class RawTcpPump {
  private incoming: Socket | undefined;
  private outgoing: Socket | undefined;
  private readonly accepted: Promise<Socket>;
  private readonly payload = Buffer.alloc(PUMP_WRITE_BYTES, 0x5a);

  private constructor(
    private readonly server: Server,
    readonly port: number
  ) {
    this.accepted = new Promise<Socket>((resolve) => {
      server.once('connection', (socket) => {
        socket.setNoDelay(true);
        this.incoming = socket;
        resolve(socket);
      });
    });
  }

  static async listen(host: string): Promise<RawTcpPump> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new SeqtrainError('ERR_PROTOCOL', `Raw TCP pump got no port on ${host}.`);
    return new RawTcpPump(server, address.port);
  }

  /** Connects to the next rank's pump and waits for the previous rank's connection. */
  async connect(next: { host: string; port: number }): Promise<void> {
    this.outgoing = await new Promise<Socket>((resolve, reject) => {
      const socket = connect(next.port, next.host, () => resolve(socket));
      socket.once('error', reject);
    });
    this.outgoing.setNoDelay(true);
    await this.accepted;
  }

  /**
   * Sends `bytes` to the next rank while receiving `bytes` from the previous one; resolves when both
   * are done. `send: false` / `receive: false` leave out one side (the one-way check).
   */
  async pump(bytes: number, sides: { send: boolean; receive: boolean } = { send: true, receive: true }): Promise<void> {
    const outgoing = this.outgoing;
    const incoming = this.incoming;
    if (!outgoing || !incoming) throw new SeqtrainError('ERR_PROTOCOL', 'Raw TCP pump used before connect().');
    const received = !sides.receive ? Promise.resolve() : new Promise<void>((resolve) => {
      let count = 0;
      const onData = (chunk: Buffer): void => {
        count += chunk.length;
        if (count >= bytes) {
          incoming.off('data', onData);
          incoming.pause();
          resolve();
        }
      };
      incoming.on('data', onData);
      incoming.resume();
    });
    const sent = (async () => {
      let left = sides.send ? bytes : 0;
      while (left > 0) {
        const size = Math.min(left, PUMP_WRITE_BYTES);
        left -= size;
        const piece = size === PUMP_WRITE_BYTES ? this.payload : this.payload.subarray(0, size);
        const last = left === 0;
        const flushed = last ? new Promise<void>((resolve, reject) => outgoing.write(piece, (err) => (err ? reject(err) : resolve()))) : undefined;
        if (!last && !outgoing.write(piece)) await new Promise((resolve) => outgoing.once('drain', resolve));
        if (flushed) await flushed;
      }
    })();
    await Promise.all([sent, received]);
  }

  async close(): Promise<void> {
    this.outgoing?.destroy();
    this.incoming?.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
