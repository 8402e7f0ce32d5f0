// Progress lines on stderr (the table goes to stdout), each with the time since the start;
// and the machine's 1-minute load average every 30 s, since other work on the machine moves
// the numbers (before and after alone miss a busy middle).
import os from 'node:os';

const t0 = performance.now();
const loadSamples: [seconds: number, load1: number][] = [];
const sampleLoad = () => loadSamples.push([Math.round(elapsedSeconds()), os.loadavg()[0]!]);
sampleLoad();
setInterval(sampleLoad, 30_000).unref();

/** The 1-minute load average every 30 s since the start: [seconds, load]. */
export function loadDuringRun(): { samples: [number, number][]; max: number } {
  sampleLoad();
  return { samples: loadSamples, max: Math.max(...loadSamples.map(([, l]) => l)) };
}

export function elapsedSeconds(): number {
  return (performance.now() - t0) / 1000;
}

function stamp(): string {
  const s = Math.floor(elapsedSeconds());
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function progress(message: string): void {
  console.error(`[bench ${stamp()}] ${message}`);
}

/** Runs fn and reports how long it took; returns its result and the milliseconds. */
export async function timed<T>(label: string, fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  const ms = performance.now() - start;
  progress(`${label}: ${ms.toFixed(0)} ms`);
  return [result, ms];
}
