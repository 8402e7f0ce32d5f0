// A deliberately incompatible change for the replay test: every database write now waits a
// second first. Recorded histories have no such timers, so replaying them must fail with a
// determinism violation.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';

const real = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

export const db = new Proxy(real, {
  get(target, name: keyof Activities) {
    return async (...args: unknown[]) => {
      await sleep(1000);
      return (target[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    };
  },
});
export const n8n = real;
export const channels = real;
export const reads = real;
export function updateInThisTask(): void {}
export function startFlusher(): void {}
export async function flushed(): Promise<void> {}
export function takeQueued(): never[] {
  return [];
}
export async function writeDurably(): Promise<void> {}
export function writesSettled(): boolean {
  return true;
}
