import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { loadPublicKey } from '../../../compiler/trust/station-key.ts';
import { startHub, type RunningHub } from '../../../hub/hub-server.ts';
import type { LogFields, Logger } from '../../../compiler/format/logger.ts';
import { processUsage, serve } from './ipc.ts';

// The hub in a process of its own, so that its RSS and CPU time are its own. The benchmark
// drives it over IPC: start, pre-approve devices, publish (timed here, next to the call),
// report memory and connection counts, restart on the same port and data directory.

/** Counts log lines by level and message: what went wrong shows up without a log file. */
class CountingLogger implements Logger {
  readonly counts = new Map<string, number>();
  readonly samples = new Map<string, LogFields>();
  info(message: string): void {
    this.count('info', message);
  }
  warn(message: string, fields: LogFields = {}): void {
    this.count('warn', message, fields);
  }
  error(message: string, fields: LogFields = {}): void {
    this.count('error', message, fields);
  }
  private count(level: string, message: string, fields?: LogFields): void {
    const key = `${level}: ${message}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (fields && !this.samples.has(key)) this.samples.set(key, fields);
  }
}

let hub: RunningHub | undefined;
let config: { dataDir: string; port: number; stationPublicKeyPem: string } | undefined;
const logger = new CountingLogger();
// Event-loop delay at 10 ms resolution: long synchronous stretches in the hub show up here.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

async function start(): Promise<{ url: string; port: number; at: number }> {
  if (!config) throw new Error('not configured');
  hub = await startHub({ dataDir: config.dataDir, port: config.port, stationPublicKey: loadPublicKey(config.stationPublicKeyPem), logger });
  config.port = hub.port;
  return { url: hub.url, port: hub.port, at: Date.now() };
}

function running(): RunningHub {
  if (!hub) throw new Error('the hub is not running');
  return hub;
}

function memory(): { rss: number; heapUsed: number; external: number; arrayBuffers: number } {
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers };
}

serve({
  async start(params: { dataDir: string; port: number; stationPublicKeyPem: string }) {
    config = { ...params };
    return start();
  },
  preapprove(params: { devices: { publicKeyPem: string; screenId: string }[] }) {
    const h = running();
    for (const device of params.devices) h.preapproveDevice(device);
    return params.devices.length;
  },
  /** Publishes a compiler output; t0 is taken immediately before hub.publish() is called. */
  async publish(params: { dir: string }) {
    const h = running();
    const cpu = process.cpuUsage();
    const t0 = Date.now();
    const p0 = performance.now();
    const result = await h.publish(params.dir);
    const resolvedMs = performance.now() - p0;
    const used = process.cpuUsage(cpu);
    return { t0, resolvedMs, changedScreens: result.changedScreens, cpuMs: (used.user + used.system) / 1000 };
  },
  connections: () => running().connectionCount(),
  onlineDevices: () => running().devices().filter((device) => device.online).length,
  /** Cumulative CPU, run-queue wait and event-loop time (for deltas), and the loop delay since the last call. */
  async usage() {
    const usage = await processUsage();
    const delay = { loopDelayMaxMs: loopDelay.max / 1e6, loopDelayP99Ms: loopDelay.percentile(99) / 1e6 };
    loopDelay.reset();
    return { ...usage, ...delay };
  },
  memory(params: { gc?: boolean }) {
    const before = memory();
    if (params.gc && typeof globalThis.gc === 'function') globalThis.gc();
    return { before, after: memory() };
  },
  logs: () => ({ counts: Object.fromEntries(logger.counts), samples: Object.fromEntries(logger.samples) }),
  async stop() {
    const h = running();
    const t0 = Date.now();
    await h.close();
    hub = undefined;
    return { t0, t1: Date.now() };
  },
  /** Stops the hub and starts it again on the same port and data directory at once. */
  async restart() {
    const h = running();
    const before = processUsage();
    const connections = h.connectionCount();
    // Watch the sockets go while close() runs: when half and all of them had closed.
    let halfClosedAt: number | null = null;
    let allClosedAt: number | null = null;
    const watch = setInterval(() => {
      const open = h.connectionCount();
      if (halfClosedAt === null && open <= connections / 2) halfClosedAt = Date.now();
      if (allClosedAt === null && open === 0) allClosedAt = Date.now();
    }, 10);
    const stopAt = Date.now();
    await h.close();
    clearInterval(watch);
    hub = undefined;
    const stoppedAt = Date.now();
    const stopped = processUsage();
    const started = await start();
    const after = processUsage();
    return {
      stopAt,
      stoppedAt,
      listeningAt: started.at,
      connections,
      halfClosedAt: halfClosedAt ?? stoppedAt,
      allClosedAt: allClosedAt ?? stoppedAt,
      closeCpuMs: stopped.cpuMs - before.cpuMs,
      closeRunqueueWaitMs: stopped.runqueueWaitMs - before.runqueueWaitMs,
      startCpuMs: after.cpuMs - stopped.cpuMs,
    };
  },
});
