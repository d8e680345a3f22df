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
 */
import type { WebSocket } from 'ws';

export class HeartbeatMonitor {
  private readonly lastSeen = new Map<WebSocket, number>();
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
    ws.on('pong', seen);
    ws.on('message', seen);
    ws.once('close', () => this.lastSeen.delete(ws));
  }

  unwatch(ws: WebSocket): void {
    this.lastSeen.delete(ws);
  }

  stop(): void {
    clearInterval(this.timer);
    this.lastSeen.clear();
  }

  private tick(): void {
    const now = Date.now();
    for (const [ws, seen] of [...this.lastSeen]) {
      const silentMs = now - seen;
      if (silentMs >= this.limitMs(ws)) {
        this.lastSeen.delete(ws);
        this.onDead(ws, silentMs);
      } else if (ws.readyState === ws.OPEN) {
        ws.ping();
      }
    }
  }

  /** For logs: the configured period. */
  get periodMs(): number {
    return this.heartbeatMs;
  }
}
