import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

// Request/response over the Node IPC channel between a benchmark and its worker processes
// (the hub in its own process, simulated players in others). Every call has a time limit, and
// a worker exits when its parent goes away, so a failed bench leaves no process behind.

type Handler = (params: any) => unknown;

interface Request {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

interface Response {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

export interface Worker {
  readonly name: string;
  readonly pid: number;
  call<T = unknown>(method: string, params?: unknown, timeoutMs?: number): Promise<T>;
  /** Kills the process (SIGKILL after a grace period) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `entry` (a .ts module that calls serve()) under tsx. The worker exits by itself after
 * `maxLifetimeMs` whatever happens, so that no loop in it can outlive the bench.
 */
export function startWorker(options: { entry: string; name: string; maxLifetimeMs: number; nodeFlags?: readonly string[] }): Worker {
  // BENCH_CPU_PROF=DIR (optionally BENCH_CPU_PROF_ONLY=name-prefix): V8 CPU profiles of the workers, written when they exit.
  const profileDir = process.env.BENCH_CPU_PROF;
  const profile = profileDir && options.name.startsWith(process.env.BENCH_CPU_PROF_ONLY ?? '') ? [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`] : [];
  const child: ChildProcess = fork(options.entry, [], {
    execArgv: ['--import', 'tsx', ...(options.nodeFlags ?? []), ...profile],
    env: { ...process.env, BENCH_WORKER_NAME: options.name, BENCH_WORKER_LIFETIME_MS: String(options.maxLifetimeMs) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let exitInfo: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = `worker ${options.name} exited (code ${code}, signal ${signal})`;
      for (const [id, pending] of waiting) {
        clearTimeout(pending.timer);
        pending.reject(new Error(exitInfo));
        waiting.delete(id);
      }
      resolve();
    });
  });
  // Messages sent before the worker has registered its handler would be lost (its module is
  // still loading), so calls wait for the worker's "ready".
  let markReady!: () => void;
  let isReady = false;
  const ready = new Promise<void>((resolve) => (markReady = resolve)).then(() => void (isReady = true));
  child.on('message', (message: Response | { ready: true }) => {
    if ('ready' in message) return markReady();
    const pending = waiting.get(message.id);
    if (!pending) return;
    waiting.delete(message.id);
    clearTimeout(pending.timer);
    if (message.error !== undefined) pending.reject(new Error(`${options.name}: ${message.error}`));
    else pending.resolve(message.result);
  });
  return {
    name: options.name,
    pid: child.pid ?? -1,
    call<T>(method: string, params: unknown = {}, timeoutMs = 60_000): Promise<T> {
      if (exitInfo) return Promise.reject(new Error(exitInfo));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${options.name}: ${method} took more than ${timeoutMs} ms${isReady ? '' : ' (the worker never said it was ready: stuck loading its code)'}`));
        }, timeoutMs);
        waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
        void ready.then(() => {
          if (waiting.has(id) && child.connected) child.send({ id, method, params } satisfies Request);
        });
      });
    },
    async stop() {
      if (exitInfo) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Worker side: answers the parent's calls with `handlers`; exits with the parent or at its time limit. */
export function serve(handlers: Record<string, Handler>): void {
  if (!process.send) throw new Error('serve() runs in a worker started by startWorker()');
  const lifetime = Number(process.env.BENCH_WORKER_LIFETIME_MS ?? 15 * 60_000);
  setTimeout(() => {
    process.stderr.write(`${process.env.BENCH_WORKER_NAME ?? 'worker'}: time limit of ${lifetime} ms reached, exiting\n`);
    process.exit(3);
  }, lifetime).unref();
  process.on('disconnect', () => process.exit(0));
  // An orderly exit on SIGTERM, so that exit hooks (such as --cpu-prof) run.
  process.on('SIGTERM', () => process.exit(0));
  process.on('message', (request: Request) => {
    const handler = handlers[request.method];
    const reply = (response: Response) => {
      if (process.connected) process.send!(response);
    };
    if (!handler) return reply({ id: request.id, error: `no method ${request.method}` });
    Promise.resolve()
      .then(() => handler(request.params))
      .then(
        (result) => reply({ id: request.id, result }),
        (error: unknown) => reply({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
  });
  process.send({ ready: true });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, options: { timeoutMs: number; everyMs?: number; what: string }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting until ${options.what}`);
    await sleep(options.everyMs ?? 100);
  }
}

/** The soft limit on open files of this process (workers inherit it), from /proc. */
export async function openFileLimit(): Promise<number | null> {
  try {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile('/proc/self/limits', 'utf8');
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(text);
    if (!match) return null;
    return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
  } catch {
    return null;
  }
}

// ---- where the time goes ----------------------------------------------------------------------

export interface ProcessUsage {
  readonly at: number;
  /** CPU time of the whole process (all threads), ms. */
  readonly cpuMs: number;
  /** Time the process's threads were runnable but waiting for a CPU (Linux schedstat), ms. */
  readonly runqueueWaitMs: number;
  /** The same for the main (JavaScript) thread alone. */
  readonly mainCpuMs: number;
  readonly mainRunqueueWaitMs: number;
  /** Cumulative event-loop time: active (running callbacks, or blocked in synchronous calls) and idle (waiting for I/O). */
  readonly loopActiveMs: number;
  readonly loopIdleMs: number;
}

function schedstat(path: string): [number, number] {
  try {
    // Synchronous on purpose: /proc/thread-self must be read by the main thread itself.
    const [run, wait] = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
    return [(run ?? 0) / 1e6, (wait ?? 0) / 1e6];
  } catch {
    return [0, 0];
  }
}

/** This process's CPU, run-queue wait and event-loop figures; deltas of two readings tell where a window's time went. */
export function processUsage(): ProcessUsage {
  const cpu = process.cpuUsage();
  const [mainCpuMs, mainRunqueueWaitMs] = schedstat('/proc/thread-self/schedstat');
  let runqueueWaitMs = 0;
  try {
    for (const task of readdirSync('/proc/self/task')) runqueueWaitMs += schedstat(`/proc/self/task/${task}/schedstat`)[1];
  } catch {
    // Not Linux: leave it at zero.
  }
  const elu = performance.eventLoopUtilization();
  return { at: Date.now(), cpuMs: (cpu.user + cpu.system) / 1000, runqueueWaitMs, mainCpuMs, mainRunqueueWaitMs, loopActiveMs: elu.active, loopIdleMs: elu.idle };
}

/** Differences of two readings, summed over several processes. */
export function usageDelta(pairs: readonly [ProcessUsage, ProcessUsage][]): Record<string, number> {
  const sum = (f: (u: ProcessUsage) => number) => pairs.reduce((total, [a, b]) => total + f(b) - f(a), 0);
  return {
    cpu_ms: Math.round(sum((u) => u.cpuMs)),
    runqueue_wait_ms: Math.round(sum((u) => u.runqueueWaitMs)),
    main_thread_cpu_ms: Math.round(sum((u) => u.mainCpuMs)),
    main_thread_runqueue_wait_ms: Math.round(sum((u) => u.mainRunqueueWaitMs)),
    loop_active_ms: Math.round(sum((u) => u.loopActiveMs)),
    loop_idle_ms: Math.round(sum((u) => u.loopIdleMs)),
  };
}

/** Whole-machine CPU from /proc/stat: busy and total CPU time in ms, for deltas. */
export async function machineCpu(): Promise<{ busyMs: number; totalMs: number; load1: number }> {
  try {
    const { readFile } = await import('node:fs/promises');
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const load1 = Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);
    // USER_HZ is 100 on Linux: one tick is 10 ms.
    return { busyMs: (total - idle) * 10, totalMs: total * 10, load1 };
  } catch {
    return { busyMs: 0, totalMs: 0, load1: 0 };
  }
}
