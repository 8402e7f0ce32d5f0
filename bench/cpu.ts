// CPU time of the processes a measure involves (Linux /proc), to say where the time goes:
// the bench process (client, stand-in, in-process workers), a worker process, the Temporal
// server, PostgreSQL (the postmaster and its backends).
import fs from 'node:fs';

/** /proc reports CPU in clock ticks of USER_HZ, 100 on Linux. */
const TICK_MS = 10;

function stat(pid: number): string[] | undefined {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: split after its closing parenthesis.
    return raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime (+ reaped children's, with `children`) of one process, in ms. */
export function processCpuMs(pid: number, children = false): number {
  const f = stat(pid);
  if (!f) return 0;
  // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
  const own = Number(f[11]) + Number(f[12]);
  return (own + (children ? Number(f[13]) + Number(f[14]) : 0)) * TICK_MS;
}

/** A process and its live children (PostgreSQL's backends), exited ones included via cutime. */
export function treeCpuMs(pid: number): number {
  let total = processCpuMs(pid, true);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = stat(Number(entry));
    if (f && Number(f[1]) === pid) total += processCpuMs(Number(entry));
  }
  return total;
}

/** Each name: a process (with its children: `tree`), plus `more` processes counted with it. */
export type CpuPids = Record<string, { pid: number; tree?: boolean; more?: number[] }>;

export function cpuSnapshot(pids: CpuPids): Record<string, number> {
  return Object.fromEntries(
    Object.entries(pids).map(([name, p]) => [
      name,
      (p.tree ? treeCpuMs(p.pid) : processCpuMs(p.pid)) +
        (p.more ?? []).reduce((sum, pid) => sum + processCpuMs(pid), 0),
    ]),
  );
}

/** CPU ms per unit of work between two snapshots, by process. */
export function cpuPer(
  before: Record<string, number>,
  after: Record<string, number>,
  units: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after).map((k) => [
      k,
      Math.round(((after[k]! - (before[k] ?? 0)) / units) * 10) / 10,
    ]),
  );
}
