import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import { SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes.js';
import { assertPortFree } from './ports.js';
import { startProcess, waitUntil, type ManagedProcess } from './process.js';
import { TEMPORAL_CLI } from './tools.js';

export interface DevServerOptions {
  port: number;
  /** Web UI port; omit for a headless server (tests). */
  uiPort?: number;
  /** SQLite file for a server whose state survives restarts; omit for in-memory. */
  dbFile?: string;
  namespace: string;
  onLine?: (line: string) => void;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl?: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts the official Temporal CLI dev server and waits until its frontend answers. */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  await assertPortFree(opts.port, 'Temporal frontend', 'TEMPORAL_PORT');
  if (opts.uiPort !== undefined) {
    await assertPortFree(opts.uiPort, 'Temporal Web UI', 'TEMPORAL_UI_PORT');
  }
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    opts.namespace,
    '--log-level',
    'warn',
  ];
  if (opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  const proc = startProcess({ name: 'temporal', command: TEMPORAL_CLI, args, onLine: opts.onLine });
  const address = `127.0.0.1:${opts.port}`;
  try {
    await waitForTemporal(address, 60_000, proc);
    await ensureSearchAttributes(address, opts.namespace);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort === undefined ? undefined : `http://127.0.0.1:${opts.uiPort}`,
    process: proc,
    stop: () => proc.stop(20_000),
  };
}

async function frontendAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.withDeadline(Date.now() + 2000, () =>
      connection.workflowService.getSystemInfo({}),
    );
    return true;
  } finally {
    await connection.close();
  }
}

export async function waitForTemporal(
  address: string,
  timeoutMs: number,
  proc?: ManagedProcess,
): Promise<void> {
  await waitUntil(`Temporal answered at ${address}`, () => frontendAnswers(address), {
    timeoutMs,
    process: proc,
    intervalMs: 300,
  });
}

const { IndexedValueType } = proto.temporal.api.enums.v1;
const INDEXED_TYPES: Partial<
  Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType>
> & {
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType;
  [SearchAttributeType.DATETIME]: temporal.api.enums.v1.IndexedValueType;
} = {
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/**
 * Registers our custom search attributes on the namespace where they are missing. The same
 * call serves the embedded dev server and an external cluster, and a repeat changes nothing,
 * even one running at the same moment in another process.
 */
export async function ensureSearchAttributes(
  address: string,
  namespace: string,
): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTE_KEYS.filter(
      (key) => !(key.name in (existing.customAttributes ?? {})),
    );
    if (missing.length > 0) {
      await connection.operatorService
        .addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(
            missing.map((key) => [key.name, INDEXED_TYPES[key.type]]),
          ),
        })
        .catch(async (err: unknown) => {
          // Another process (a second launcher, a deploy job) added them meanwhile: fine.
          const now = await connection.operatorService.listSearchAttributes({ namespace });
          if (missing.some((key) => !(key.name in (now.customAttributes ?? {})))) throw err;
        });
    }
    return missing.map((key) => key.name);
  } finally {
    await connection.close();
  }
}
