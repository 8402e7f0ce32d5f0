import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export interface StartProcessOptions {
  /** Short name used to prefix the process's output and in error messages. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives each output line (stdout and stderr); defaults to dropping it. */
  onLine?: (line: string) => void;
  /** Signal that asks the process for a clean shutdown. */
  stopSignal?: NodeJS.Signals;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the process printed, for error messages. */
  recentOutput(): string;
  hasExited(): boolean;
  /** Sends the stop signal, waits up to timeoutMs, then SIGKILLs the whole process group. */
  stop(timeoutMs?: number): Promise<void>;
  /**
   * Once the process has died on its own: SIGKILLs what is left of its process group (a
   * PostgreSQL backend, a grandchild holding a port) and waits, up to 5 s, until it is gone.
   */
  killLeftovers(): Promise<void>;
}

const KEEP_LINES = 40;

/**
 * Starts a long-running child in its own process group, so that a Ctrl-C in the terminal
 * reaches only the launcher, which then stops the children in order.
 */
export function startProcess(opts: StartProcessOptions): ManagedProcess {
  const child: ChildProcess = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) {
    throw new Error(`${opts.name}: could not start ${opts.command}`);
  }
  const pid = child.pid;
  const recent: string[] = [];
  let exitedFlag = false;

  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > KEEP_LINES) recent.shift();
      opts.onLine?.(line);
    });
  }

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      recent.push(String(err));
      exitedFlag = true;
      resolve({ code: -1, signal: null });
    });
  });

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };

  const groupAlive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  return {
    name: opts.name,
    pid,
    exited,
    recentOutput: () => recent.join('\n'),
    hasExited: () => exitedFlag,
    async killLeftovers() {
      await exited;
      signalGroup('SIGKILL');
      for (let i = 0; i < 50 && groupAlive(); i++) await new Promise((r) => setTimeout(r, 100));
    },
    async stop(timeoutMs = 15_000) {
      if (exitedFlag) return;
      signalGroup(opts.stopSignal ?? 'SIGTERM');
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref()),
      ]);
      if (timedOut) {
        signalGroup('SIGKILL');
        await exited;
      }
    },
  };
}

/** Polls `probe` until it resolves true, the process dies, or the deadline passes. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; process?: ManagedProcess; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.process?.hasExited()) {
      throw new Error(
        `${opts.process.name} exited before ${what}. Its last output:\n${opts.process.recentOutput()}`,
      );
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      const tail = opts.process ? `\nIts last output:\n${opts.process.recentOutput()}` : '';
      throw new Error(`Timed out after ${opts.timeoutMs} ms waiting for ${what}.${tail}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

/** Starts a process, then waits until `ready` says it is; stops it if it never gets there. */
export async function startAndWait(
  opts: StartProcessOptions,
  ready: { what: string; probe: (proc: ManagedProcess) => Promise<boolean>; timeoutMs: number },
): Promise<ManagedProcess> {
  const proc = startProcess(opts);
  try {
    await waitUntil(ready.what, () => ready.probe(proc), {
      timeoutMs: ready.timeoutMs,
      process: proc,
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}

/** Thrown by Supervisor.start once stopAll (or a give-up) began: nothing new starts. */
export class SupervisorStoppingError extends Error {
  constructor(name: string) {
    super(`not starting ${name}: stopping`);
    this.name = 'SupervisorStoppingError';
  }
}

/** One child the supervisor keeps running. */
export interface SupervisedChild {
  /** Its name in the log ("worker exited ..."). */
  name: string;
  /**
   * Starts it and resolves once it is ready (e.g. n8n's webhooks live), stopping it and
   * throwing if it does not get there. Called for the first start and for every restart.
   */
  start: () => Promise<ManagedProcess>;
  /** How long a stop waits for it before SIGKILL (ManagedProcess.stop's default if unset). */
  stopTimeoutMs?: number;
  /** What to do when it keeps dying, for the give-up message. */
  hint?: string;
}

export interface RestartPolicy {
  /** Pause before the first restart; it doubles with each quick death after that... */
  initialDelayMs: number;
  /** ... up to this. */
  maxDelayMs: number;
  /** A child that stayed up this long starts over with the first pause. */
  stableAfterMs: number;
  /** A child that needs more than maxRestarts restarts within windowMs is given up on. */
  maxRestarts: number;
  windowMs: number;
}

const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
  maxRestarts: 5,
  windowMs: 120_000,
};

export interface SupervisorOptions {
  log: { info(message: string): void; error(message: string): void };
  /**
   * Called once when a child keeps dying: the supervisor restarts nothing any more; the
   * caller stops everything (stopAll) and exits non-zero.
   */
  onGiveUp: (message: string) => void;
  policy?: Partial<RestartPolicy>;
}

interface Entry {
  child: SupervisedChild;
  proc?: ManagedProcess;
  /** The start under way (first start or restart), which sets proc when it succeeds. */
  starting?: Promise<ManagedProcess>;
  /** When it last became ready. */
  upSince: number;
  /** Restarts since it last stayed up stableAfterMs (the backoff's exponent). */
  quickDeaths: number;
  /** Restarts so far, for the log. */
  restarts: number;
  /** When each recent restart happened (for maxRestarts within windowMs). */
  recent: number[];
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
const duration = (ms: number) =>
  ms >= 60_000 && ms % 60_000 === 0
    ? `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`
    : seconds(ms);
const LOG_TAIL_LINES = 15;
const indent = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-LOG_TAIL_LINES)
    .map((l) => `    | ${l}`)
    .join('\n');

/**
 * Keeps children running: one that exits when it was not asked to is restarted after a
 * pause that doubles with each quick death (1 s, 2 s, 4 s ... 30 s; back to 1 s once it
 * stayed up a minute), and counts as up only once ready again. One that keeps dying
 * (more than 5 restarts within 2 minutes) is given up on: onGiveUp says which and what to do.
 */
export class Supervisor {
  private readonly policy: RestartPolicy;
  private readonly entries = new Map<string, Entry>();
  private stopping = false;
  private readonly wakeUps = new Set<() => void>();

  constructor(private readonly opts: SupervisorOptions) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...opts.policy };
  }

  /**
   * First start of a child; resolves once it is ready, and from then on it is watched. A
   * failure here is thrown (nothing to restart: the caller stops what it started).
   */
  async start(child: SupervisedChild): Promise<ManagedProcess> {
    if (this.stopping) throw new SupervisorStoppingError(child.name);
    if (this.entries.has(child.name)) throw new Error(`${child.name} is already supervised`);
    const entry: Entry = { child, upSince: 0, quickDeaths: 0, restarts: 0, recent: [] };
    this.entries.set(child.name, entry);
    const proc = await this.launch(entry);
    entry.upSince = Date.now();
    this.watch(entry, proc);
    return proc;
  }

  /** The child's current process (after a restart, the new one). */
  current(name: string): ManagedProcess | undefined {
    return this.entries.get(name)?.proc;
  }

  /** How many times the child was restarted so far. */
  restarts(name: string): number {
    return this.entries.get(name)?.restarts ?? 0;
  }

  /**
   * Restarts nothing from now on, and stops the children: those named, in that order, then
   * any other, newest first. A child in the middle of a (re)start is stopped once started.
   */
  async stopAll(order: string[] = []): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakeUps) wake();
    const names = [
      ...order.filter((n) => this.entries.has(n)),
      ...[...this.entries.keys()].reverse().filter((n) => !order.includes(n)),
    ];
    for (const name of names) {
      const entry = this.entries.get(name)!;
      await entry.starting?.catch(() => undefined);
      const proc = entry.proc;
      if (!proc) continue;
      if (proc.hasExited()) {
        await proc.killLeftovers();
        continue;
      }
      this.opts.log.info(`stopping ${name} ...`);
      const began = Date.now();
      await proc.stop(entry.child.stopTimeoutMs);
      const { code, signal } = await proc.exited;
      this.opts.log.info(
        `${name} stopped (code ${code}, signal ${signal}) in ${seconds(Date.now() - began)}`,
      );
    }
  }

  private launch(entry: Entry): Promise<ManagedProcess> {
    entry.starting = entry.child.start().then((proc) => {
      entry.proc = proc;
      return proc;
    });
    return entry.starting;
  }

  private watch(entry: Entry, proc: ManagedProcess): void {
    void proc.exited.then((exit) => {
      if (this.stopping) return;
      void this.recover(
        entry,
        `exited (code ${exit.code}, signal ${exit.signal})`,
        proc.recentOutput(),
        proc,
      );
    });
  }

  private async recover(
    entry: Entry,
    what: string,
    output: string,
    dead: ManagedProcess | undefined,
  ): Promise<void> {
    const { name } = entry.child;
    const p = this.policy;
    for (;;) {
      await dead?.killLeftovers();
      if (this.stopping) return;
      const now = Date.now();
      if (now - entry.upSince >= p.stableAfterMs) entry.quickDeaths = 0;
      entry.recent = entry.recent.filter((t) => now - t < p.windowMs);
      if (entry.recent.length >= p.maxRestarts) {
        this.giveUp(entry, what, output);
        return;
      }
      const delay = Math.min(p.initialDelayMs * 2 ** entry.quickDeaths, p.maxDelayMs);
      entry.quickDeaths++;
      entry.restarts++;
      entry.recent.push(now);
      const tail = indent(output);
      this.opts.log.error(
        `${name} ${what}; restarting in ${seconds(delay)} (restart ${entry.restarts})` +
          (tail ? `. Its last output:\n${tail}` : ''),
      );
      if (!(await this.pause(delay))) return;
      try {
        const proc = await this.launch(entry);
        if (this.stopping) return; // stopAll stops it
        entry.upSince = Date.now();
        this.opts.log.info(`${name} is up again (restart ${entry.restarts}, pid ${proc.pid})`);
        this.watch(entry, proc);
        return;
      } catch (err) {
        if (this.stopping) return;
        // Not up: counts as another quick death.
        entry.upSince = Date.now();
        const [first = '', ...rest] = (err instanceof Error ? err.message : String(err)).split(
          '\n',
        );
        what = `did not come back (${first.replace(/\.?\s*Its last output:$/, '')})`;
        output = rest.join('\n');
        dead = undefined;
      }
    }
  }

  private giveUp(entry: Entry, what: string, output: string): void {
    const { name, hint } = entry.child;
    this.stopping = true;
    for (const wake of this.wakeUps) wake();
    const tail = indent(output);
    this.opts.onGiveUp(
      `${name} keeps dying: it ${what}, after ${entry.recent.length} restarts within ` +
        `${duration(this.policy.windowMs)}. Giving up on it and stopping everything.` +
        (tail ? `\n  Its last output:\n${tail}` : '') +
        `\n  What to do: ${hint ?? `read ${name}'s output above, fix the cause, then start again.`}`,
    );
  }

  /** Sleeps ms; false when stopAll cut it short. */
  private pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (slept: boolean) => {
        clearTimeout(timer);
        this.wakeUps.delete(wake);
        resolve(slept);
      };
      const wake = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      this.wakeUps.add(wake);
    });
  }
}
