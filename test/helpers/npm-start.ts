import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';
import { getFreePort } from '../../src/dev/ports.js';

// `npm start` as the tests run it: its entrypoint as a child process, and the processes it
// started found by their DATA_DIR.

/** Every process whose environment carries this DATA_DIR: what `npm start` started. */
export function processesOf(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`DATA_DIR=${dataDir}`)) pids.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

/** The process of ours under that DATA_DIR whose command line runs `entry` (e.g. src/worker.ts). */
export function processRunning(dataDir: string, entry: string): number | undefined {
  return processesOf(dataDir).find((pid) => {
    try {
      return fs
        .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .some((a) => a.endsWith(entry));
    } catch {
      return false;
    }
  });
}

export interface Launched {
  child: ChildProcess;
  output: () => string;
}

/** `npm start`'s entrypoint as a child process, its output collected. */
export function launch(env: NodeJS.ProcessEnv): Launched {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/dev/start.ts')],
    {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

/** Launches `npm start` and resolves once it says the stack is up (or throws its output). */
export async function startStack(env: NodeJS.ProcessEnv): Promise<Launched> {
  const stack = launch(env);
  const { child, output } = stack;
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output().includes('Press Ctrl-C to stop.')) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`npm start exited early:\n${output()}`));
      }
    }, 200);
  });
  return stack;
}

/** Ctrl-C: resolves with the exit code once the launcher has stopped everything. */
export async function interrupt(stack: Launched): Promise<number | null> {
  if (stack.child.exitCode !== null) return stack.child.exitCode;
  const exited = new Promise<number | null>((r) => stack.child.once('exit', (code) => r(code)));
  stack.child.kill('SIGINT');
  return exited;
}

/** A free port for every server `npm start` opens, keyed by the variable that sets it. */
export async function freePorts() {
  return {
    PORT: await getFreePort(),
    EMBEDDED_PG_PORT: await getFreePort(),
    TEMPORAL_PORT: await getFreePort(),
    TEMPORAL_UI_PORT: await getFreePort(),
    N8N_PORT: await getFreePort(),
    AGENT_SIMULATOR_PORT: await getFreePort(),
  };
}
