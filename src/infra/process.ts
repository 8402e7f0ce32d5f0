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

  return {
    name: opts.name,
    pid,
    exited,
    recentOutput: () => recent.join('\n'),
    hasExited: () => exitedFlag,
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
