/**
 * N WebSocket transports inside one process, on loopback: every rank gets a real listener and real
 * sockets. For tests and single-machine tools that want the real wire without spawning processes.
 */
import type { Transport } from './transport.js';
import { WebSocketRingListener, type RingListenOptions } from './websocket-transport.js';

export interface LocalWebSocketRing {
  /** Index = rank. */
  transports: Transport[];
  listeners: WebSocketRingListener[];
  /** Closes every listener (and so every transport). */
  close(): Promise<void>;
}

export async function createLocalWebSocketRing(
  worldSize: number,
  options: RingListenOptions & { timeoutMs?: number } = {}
): Promise<LocalWebSocketRing> {
  const { timeoutMs, ...listenOptions } = options;
  const listeners = await Promise.all(Array.from({ length: worldSize }, () => WebSocketRingListener.listen(listenOptions)));
  const close = async (): Promise<void> => {
    await Promise.all(listeners.map((listener) => listener.close()));
  };
  try {
    const peers = listeners.map((listener) => listener.address);
    const transports = await Promise.all(
      listeners.map((listener, rank) => listener.connect({ rank, worldSize, peers, ...(timeoutMs === undefined ? {} : { timeoutMs }) }))
    );
    return { transports, listeners, close };
  } catch (err) {
    await close();
    throw err;
  }
}
