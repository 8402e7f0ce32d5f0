import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import webpack from 'webpack';
import { PROJECT_ROOT } from '../../src/config.js';
import { WORKFLOWS_PATH } from '../../src/worker.js';

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
  const replacement = path.join(PROJECT_ROOT, 'test', 'support', 'visibility-time-skipping.ts');
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: quietLogger,
    webpackConfigHook: (config) => {
      config.plugins = [
        ...(config.plugins ?? []),
        new webpack.NormalModuleReplacementPlugin(
          /[\\/]visibility\.js$/,
          (resource: { request: string }) => {
            resource.request = replacement;
          },
        ),
      ];
      return config;
    },
  });
}

/** n8n settings for workers whose workflows dispatch nothing (nothing listens there). */
export const NO_N8N = { webhookUrl: 'http://127.0.0.1:9/', callbackUrl: 'http://127.0.0.1:9/' };
