/**
 * Worker liveness. Every heartbeatMs the coordinator pings each rank's control connection (a WebSocket
 * ping, answered by `ws` in the rank's event loop without any seqtrain code); any frame from the rank
 * (pong or message) counts as a sign of life. A rank silent for deadAfterMs is reported dead once.
 * A process killed outright (SIGKILL) closes its socket and is seen at once through 'close'; the
 * heartbeat is what catches a process that hangs, or a host cut off without a FIN.
 *
 * The pong comes from the rank's event loop, which a step's synchronous compute blocks (wasm/cpu tfjs
 * kernels run on the main thread): measured, the first char-LSTM step (95,795 parameters) of three
 * ranks on two busy cores kept two ranks silent for over 10 s. So the allowed silence is per
 * connection (limitMs): the coordinator gives a rank it awaits a reply from the longer stall-abort
 * limit, and deadAfterMs otherwise.
 *
 * At most one ping is in flight per connection: the next goes out only once the last was answered.
 * A blocked rank's socket therefore never holds a backlog of pings, which matters because ws (since
 * 8.23, maxPendingAutoPongs = 60) terminates a socket that finds 60 or more unanswered pings when its
 * event loop resumes: measured, a rank that decoded seq2seq validation for minutes (one ping per second
 * piling up) cut its own control connection (close 1006) the moment it awaited the next all-reduce.
 */
import type { WebSocket } from 'ws';

export class HeartbeatMonitor {
  private readonly lastSeen = new Map<WebSocket, number>();
  /** Connections with a ping sent and not yet answered by a pong. */
  private readonly awaitingPong = new Set<WebSocket>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly heartbeatMs: number,
    private readonly limitMs: (ws: WebSocket) => number,
    private readonly onDead: (ws: WebSocket, silentMs: number) => void
  ) {
    this.timer = setInterval(() => this.tick(), heartbeatMs);
    this.timer.unref();
  }

  watch(ws: WebSocket): void {
    if (this.lastSeen.has(ws)) return;
    this.lastSeen.set(ws, Date.now());
    const seen = (): void => {
      if (this.lastSeen.has(ws)) this.lastSeen.set(ws, Date.now());
    };
    ws.on('pong', () => {
      this.awaitingPong.delete(ws);
      seen();
    });
    ws.on('message', seen);
    ws.once('close', () => {
      this.lastSeen.delete(ws);
      this.awaitingPong.delete(ws);
    });
  }

  unwatch(ws: WebSocket): void {
    this.lastSeen.delete(ws);
    this.awaitingPong.delete(ws);
  }

  stop(): void {
    clearInterval(this.timer);
    this.lastSeen.clear();
    this.awaitingPong.clear();
  }

  private tick(): void {
    const now = Date.now();
    for (const [ws, seen] of [...this.lastSeen]) {
      const silentMs = now - seen;
      if (silentMs >= this.limitMs(ws)) {
        this.lastSeen.delete(ws);
        this.awaitingPong.delete(ws);
        this.onDead(ws, silentMs);
      } else if (ws.readyState === ws.OPEN && !this.awaitingPong.has(ws)) {
        this.awaitingPong.add(ws);
        ws.ping();
      }
    }
  }

  /** For logs: the configured period. */
  get periodMs(): number {
    return this.heartbeatMs;
  }
}
