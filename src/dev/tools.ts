import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.js';
import { SERVER_DIR } from '../../scripts/install-temporal-server.mjs';
export { TEMPORAL_SERVER_VERSION } from '../../scripts/install-temporal-server.mjs';

/** Where scripts/install-tools.mjs puts the binaries (a venv under .tools/). */
const BIN_DIR = path.join(PROJECT_ROOT, '.tools', 'venv', 'bin');
export const TEMPORAL_CLI = path.join(BIN_DIR, 'temporal');
export const TEMPORAL_TEST_SERVER = path.join(BIN_DIR, 'temporal-test-server');

/** Runs an install script of scripts/ when one of its binaries is missing. */
function ensureInstalled(binaries: string[], script: string, failure: string): void {
  if (binaries.every((b) => fs.existsSync(b))) return;
  const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', script)], {
    stdio: 'inherit',
  });
  if (res.status !== 0) throw new Error(failure);
}

/** Installs the pinned tools if a binary is missing (normally `npm install` already did). */
export function ensureTools(): void {
  ensureInstalled(
    [TEMPORAL_CLI, TEMPORAL_TEST_SERVER],
    'install-tools.mjs',
    'Installing the Temporal CLI failed (see above); fix that and run `npm start` again.',
  );
}

/**
 * The production Temporal server and its schema tool, built from the Go module proxy by
 * scripts/install-temporal-server.mjs (only `npm run start:cluster` and the cluster tests
 * need them).
 */
export const TEMPORAL_SERVER = path.join(SERVER_DIR, 'bin', 'server');
export const TEMPORAL_SQL_TOOL = path.join(SERVER_DIR, 'bin', 'sql');

/** Builds the production Temporal server if it is missing (about 4 minutes the first time). */
export function ensureTemporalServer(): void {
  ensureInstalled(
    [TEMPORAL_SERVER, TEMPORAL_SQL_TOOL],
    'install-temporal-server.mjs',
    'Building the production Temporal server failed (see above); fix that and run `npm run install:cluster`.',
  );
}
