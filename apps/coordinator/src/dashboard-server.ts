/**
 * The live dashboard of a run, on its own HTTP port (never the WebSocket control port), bound to the job's
 * host. Read-only, GET only:
 *   GET /            the page (dashboard-page.ts: one self-contained HTML file, no external URL)
 *   GET /api/state   a JSON snapshot (DashboardSnapshot: job, status, step, loss and validation history,
 *                    per-rank stats, ring membership and health)
 *   GET /events      Server-Sent Events: every coordinator event as `id: <seq>` + `data: <event JSON>`;
 *                    the page resyncs from /api/state on (re)connect and skips events with id <= its seq
 *   GET /metrics     Prometheus text format (dashboard-metrics.ts, a registry of its own)
 * Anything else: 404 for an unknown path, 405 (Allow: GET) for another method on a known one.
 *
 * It must never slow a step: publish() runs inside the coordinator's step loop, so it folds the event in
 * O(ranks), serialises it once and writes it to each SSE client without waiting (fire and forget). A
 * client that stops reading is dropped once SSE_MAX_BUFFERED_BYTES are queued for it; its EventSource
 * reconnects and resyncs from /api/state. There is no authentication: keep the job's host on loopback (the
 * default) or a trusted network.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SeqtrainError } from '@seqtrain/common';
import type { Job } from '@seqtrain/protocol';
import type { CoordinatorEvent } from './coordinator-event.js';
import { DashboardMetrics } from './dashboard-metrics.js';
import { DASHBOARD_PAGE_HTML } from './dashboard-page.js';
import { DashboardState, type DashboardSnapshot } from './dashboard-state.js';

/** A client this far behind (about 1,000 step events) is dropped rather than buffered without bound. */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Comment lines keep idle SSE connections open through proxies that cut silent ones (commonly at 30-60 s). */
export const SSE_KEEPALIVE_MS = 15_000;
/** How long a disconnected EventSource waits before it reconnects. */
export const SSE_RETRY_MS = 1_000;

export interface DashboardServerOptions {
  /** Interface to bind (the job's host). */
  host: string;
  /** 0 picks a free port. */
  port: number;
  job: Job;
  runDir: string;
}

const PATHS = new Set(['/', '/api/state', '/events', '/metrics']);
const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

export class DashboardServer {
  readonly url: string;
  private readonly state: DashboardState;
  private readonly metrics: DashboardMetrics;
  private readonly clients = new Set<ServerResponse>();
  private readonly keepalive: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly server: Server,
    url: string,
    options: DashboardServerOptions
  ) {
    this.url = url;
    this.state = new DashboardState(options.job, options.runDir);
    this.metrics = new DashboardMetrics(options.job.workers * options.job.devicesPerWorker);
    this.keepalive = setInterval(() => this.broadcast(': keepalive\n\n'), SSE_KEEPALIVE_MS);
    this.keepalive.unref();
    server.on('request', (req, res) => this.route(req, res));
  }

  static async start(options: DashboardServerOptions): Promise<DashboardServer> {
    const server = createServer();
    await new Promise<void>((res, rej) => {
      server.once('error', (err) =>
        rej(
          new SeqtrainError(
            'ERR_INVALID_ARGUMENT',
            `The dashboard cannot listen on ${options.host}:${options.port}: ${err.message}. Pick another --dashboard-port (0 picks a free one) or turn it off with --no-dashboard.`,
            { field: 'dashboardPort' }
          )
        )
      );
      server.listen(options.port, options.host, () => res());
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : options.port;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    return new DashboardServer(server, `http://${host}:${port}`, options);
  }

  /** Folds the event into the state and metrics and pushes it to every /events client, without waiting. */
  publish(event: CoordinatorEvent): void {
    if (this.closed) return;
    const seq = this.state.apply(event);
    this.metrics.update(event);
    if (this.clients.size > 0) this.broadcast(`id: ${seq}\ndata: ${JSON.stringify(event)}\n\n`);
  }

  /** The live snapshot that /api/state serialises. */
  snapshot(): Readonly<DashboardSnapshot> {
    return this.state.snapshot;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    for (const res of this.clients) res.end();
    this.clients.clear();
    const done = new Promise<void>((res) => this.server.close(() => res()));
    // Idle keep-alive sockets would hold close() open until they time out.
    this.server.closeAllConnections();
    await done;
  }

  private broadcast(chunk: string): void {
    for (const res of this.clients) {
      if (res.writableLength > SSE_MAX_BUFFERED_BYTES) {
        this.clients.delete(res);
        res.destroy();
      } else {
        res.write(chunk);
      }
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://dashboard.invalid').pathname;
    if (!PATHS.has(path)) return sendText(res, 404, `Not found: ${path}. The dashboard serves GET /, /api/state, /events and /metrics.\n`);
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      return sendText(res, 405, `Method ${req.method} not allowed on ${path}: the dashboard is read-only (GET).\n`);
    }
    switch (path) {
      case '/':
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': PAGE_CSP,
          'x-content-type-options': 'nosniff',
        });
        res.end(DASHBOARD_PAGE_HTML);
        return;
      case '/api/state':
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        // nowMs lets the page compute elapsed time and ETA without trusting the browser's clock.
        res.end(JSON.stringify({ ...this.state.snapshot, nowMs: Date.now() }));
        return;
      case '/events':
        return this.subscribe(req, res);
      case '/metrics':
        this.metrics.text().then(
          (text) => {
            res.writeHead(200, { 'content-type': this.metrics.contentType, 'cache-control': 'no-store' });
            res.end(text);
          },
          (err: Error) => sendText(res, 500, `Cannot render the metrics: ${err.message}\n`)
        );
        return;
    }
  }

  private subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Nginx and similar proxies buffer responses unless told not to.
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${SSE_RETRY_MS}\n: seq ${this.state.seq}\n\n`);
    if (this.closed) {
      res.end();
      return;
    }
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.on('close', drop);
    res.on('error', drop);
  }
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
