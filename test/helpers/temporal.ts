import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import webpack from 'webpack';
import { PROJECT_ROOT } from '../../src/config.js';
import { WORKFLOWS_PATH } from '../../src/worker.js';
import { TEMPORAL_CLI } from '../../src/dev/tools.js';

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

/** The real workflow code, bundled once per test file. */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
}

/**
 * The same code for the time-skipping test server: only workflows/visibility.ts is
 * replaced (that server cannot hold custom search attributes).
 */
export function bundleWorkflowsForTimeSkipping(): Promise<WorkflowBundle> {
  return bundleWithReplacements({ visibility: 'visibility-time-skipping.ts' });
}

/**
 * The workflow code with some of its modules swapped for files of test/support/, keyed by
 * module name as imported (`./visibility.js` is `visibility`).
 */
export function bundleWithReplacements(
  replacements: Record<string, string>,
): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: quietLogger,
    webpackConfigHook: (config) => {
      config.plugins = [
        ...(config.plugins ?? []),
        ...Object.entries(replacements).map(
          ([name, file]) =>
            new webpack.NormalModuleReplacementPlugin(
              new RegExp(`[\\\\/]${name}\\.js$`),
              (resource: { request: string }) => {
                resource.request = path.join(PROJECT_ROOT, 'test', 'support', file);
              },
            ),
        ),
      ];
      return config;
    },
  });
}

/** n8n settings for workers whose workflows dispatch nothing (nothing listens there). */
export const NO_N8N = { webhookUrl: 'http://127.0.0.1:9/', callbackUrl: 'http://127.0.0.1:9/' };

export const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'replay', 'histories');

/**
 * With RECORD_HISTORIES=1, saves a workflow's history for the replay test
 * (test/replay/replay.test.ts), exported by the Temporal CLI as operators would. `server`
 * says which bundle replays it: histories from the time-skipping server were made with
 * its stand-in visibility module.
 */
export function recordHistory(
  name: string,
  server: 'dev' | 'time-skipping',
  address: string,
  workflowId: string,
): void {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const json = execFileSync(TEMPORAL_CLI, [
    'workflow',
    'show',
    '--workflow-id',
    workflowId,
    '--address',
    address,
    '--output',
    'json',
  ]);
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.${server}.json`), json);
}
