import type { Connection } from '@temporalio/client';
import type pg from 'pg';

export interface DependencyStatus {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  postgres: DependencyStatus;
  temporal: DependencyStatus;
}

/** Checks a dependency with a deadline, so a hung server reports as down, not as a hang. */
async function timed(check: () => Promise<unknown>, timeoutMs: number): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    clearTimeout(timer);
  }
}

export function createHealthService(deps: {
  pool: pg.Pool;
  temporal: Connection;
  timeoutMs?: number;
}) {
  const timeoutMs = deps.timeoutMs ?? 2_000;
  return {
    async report(): Promise<HealthReport> {
      const [postgres, temporal] = await Promise.all([
        timed(() => deps.pool.query('SELECT 1'), timeoutMs),
        timed(
          () =>
            deps.temporal.withDeadline(Date.now() + timeoutMs, () =>
              deps.temporal.workflowService.getSystemInfo({}),
            ),
          timeoutMs,
        ),
      ]);
      return { status: postgres.ok && temporal.ok ? 'ok' : 'degraded', postgres, temporal };
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
