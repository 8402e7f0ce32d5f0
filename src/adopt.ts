import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { createDb, createPool } from '../db/client.js';
import { WORKFLOW_TYPES } from '../workflows/vocabulary.js';
import {
  adoptionCandidates,
  adoptRow,
  type AdoptionResult,
  type WorkflowRow,
} from './clients/adoption.js';
import { getConfig } from './config.js';
import { runIfMain } from './main.js';

// `npm run adopt`: the cut-over from the poller. Every business workflow open in Postgres that
// no Temporal workflow owns is handed to one (workflows/business/adopt.ts resumes it where it
// stands). Stop the poller first. Running it again adopts nothing twice.

const USAGE = `Usage: npm run adopt -- [--dry-run] [--type PAYOFF|HOA_ACQUISITION|MUNICIPAL_LIEN_SEARCH]
                         [--client <id or name>] [--limit <n>] [--concurrency <n>]

Starts one Temporal workflow per open row with no owner (temporal_workflow_id empty), resuming
it at its first unfinished task with its SLA clock back-dated. --dry-run says what it would do.
Exit code 1 when any row failed. Connects with DATABASE_URL and TEMPORAL_ADDRESS (else npm
start's embedded ones).`;

const argsSchema = z.strictObject({
  'dry-run': z.boolean().default(false),
  type: z.enum(WORKFLOW_TYPES).optional(),
  client: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).optional(),
  concurrency: z.coerce.number().int().min(1).max(64).default(8),
  help: z.boolean().default(false),
});
export type AdoptArgs = z.infer<typeof argsSchema>;

/** The command line, checked: an unknown or bad option is an error naming it. */
export function parseAdoptArgs(argv: string[]): AdoptArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      'dry-run': { type: 'boolean' },
      type: { type: 'string' },
      client: { type: 'string' },
      limit: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`--${issue.path.join('.')}: ${issue.message}\n\n${USAGE}`);
  }
  return parsed.data;
}

/** A progress bar on a terminal, a line every 10% elsewhere. */
function progress(total: number, out: NodeJS.WriteStream) {
  let done = 0;
  let lastTenth = -1;
  return {
    tick(result: AdoptionResult) {
      done++;
      if (out.isTTY) {
        const width = 30;
        const filled = Math.round((done / Math.max(total, 1)) * width);
        out.write(
          `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${result.result.padEnd(11)}`,
        );
        if (done === total) out.write('\n');
      } else {
        const tenth = Math.floor((done / Math.max(total, 1)) * 10);
        if (tenth !== lastTenth || done === total) {
          lastTenth = tenth;
          out.write(`[adopt] ${done}/${total}\n`);
        }
      }
    },
  };
}

/** Adopted, skipped and why, failed and why: the summary the CLI prints. */
export function summarize(results: AdoptionResult[], dryRun: boolean): string {
  const count = (r: AdoptionResult['result']) => results.filter((x) => x.result === r).length;
  const reasons = (r: 'skipped' | 'failed') => {
    const by = new Map<string, number>();
    for (const x of results) if (x.result === r) by.set(x.reason, (by.get(x.reason) ?? 0) + 1);
    return [...by].map(([reason, n]) => `    ${n} × ${reason}`);
  };
  const failed = results.filter((x) => x.result === 'failed');
  return [
    dryRun ? `would adopt: ${count('would adopt')}` : `adopted: ${count('adopted')}`,
    `skipped: ${count('skipped')}`,
    ...reasons('skipped'),
    `failed: ${failed.length}`,
    ...failed.map((f) => `    ${f.rowId}: ${'reason' in f ? f.reason : ''}`),
  ].join('\n');
}

/** Adopts every candidate, a few at a time; never throws for one row (it is reported). */
export async function adoptAll(
  deps: Parameters<typeof adoptRow>[0],
  rows: WorkflowRow[],
  opts: {
    dryRun: boolean;
    concurrency: number;
    timeScale?: number;
    onResult?: (r: AdoptionResult) => void;
  },
): Promise<AdoptionResult[]> {
  const results: AdoptionResult[] = [];
  let next = 0;
  const lane = async () => {
    while (next < rows.length) {
      const row = rows[next++]!;
      let result: AdoptionResult;
      try {
        result = await adoptRow(deps, row, { dryRun: opts.dryRun, timeScale: opts.timeScale });
      } catch (err) {
        result = {
          rowId: row.id,
          result: 'failed',
          reason: err instanceof Error ? err.message : String(err),
        };
      }
      results.push(result);
      opts.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, rows.length) }, lane));
  return results;
}

async function main(): Promise<void> {
  const args = parseAdoptArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const config = getConfig();
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    // npm start's embedded database (the launchers are not in the production image).
    const { embeddedDatabaseUrl } = await import('./dev/postgres.js');
    databaseUrl = embeddedDatabaseUrl(
      config.DATA_DIR,
      config.EMBEDDED_PG_PORT,
      config.EMBEDDED_PG_DATABASE,
    );
  }
  const address = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
  const pool = createPool(databaseUrl, 4);
  const connection = await Connection.connect({ address }).catch((err: unknown) => {
    throw new Error(
      `Cannot reach Temporal at ${address} (${err instanceof Error ? err.message : String(err)}): start it (npm start) or set TEMPORAL_ADDRESS.`,
    );
  });
  try {
    const deps = {
      db: createDb(pool),
      client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
    };
    const rows = await adoptionCandidates(deps, args);
    console.log(
      `[adopt] ${rows.length} open row(s) with no Temporal workflow${args['dry-run'] ? ' (dry run: nothing is started)' : ''}`,
    );
    const bar = progress(rows.length, process.stdout);
    const results = await adoptAll(deps, rows, {
      dryRun: args['dry-run'],
      concurrency: args.concurrency,
      timeScale: config.WORKFLOW_TIME_SCALE,
      onResult: (r) => bar.tick(r),
    });
    console.log(summarize(results, args['dry-run']));
    if (results.some((r) => r.result === 'failed')) {
      console.error(
        '[adopt] some rows failed (above, with why): fix the cause and run it again; adopted rows are not adopted twice.',
      );
      process.exitCode = 1;
    }
  } finally {
    await connection.close();
    await pool.end();
  }
}

runIfMain(import.meta.url, 'adopt', main);
