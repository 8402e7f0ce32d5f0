import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.js';

/** Where scripts/install-tools.mjs puts the binaries (a venv under .tools/). */
const BIN_DIR = path.join(PROJECT_ROOT, '.tools', 'venv', 'bin');
export const TEMPORAL_CLI = path.join(BIN_DIR, 'temporal');
export const TEMPORAL_TEST_SERVER = path.join(BIN_DIR, 'temporal-test-server');

/** Installs the pinned tools if a binary is missing (normally `npm install` already did). */
export function ensureTools(): void {
  if (fs.existsSync(TEMPORAL_CLI) && fs.existsSync(TEMPORAL_TEST_SERVER)) return;
  const script = path.join(PROJECT_ROOT, 'scripts', 'install-tools.mjs');
  const res = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (res.status !== 0) {
    throw new Error(
      'Installing the Temporal CLI failed (see above); fix that and run `npm start` again.',
    );
  }
}

/**
 * The production Temporal server and its schema tool, built from the Go module proxy by
 * scripts/install-temporal-server.mjs (only `npm run start:cluster` and the cluster tests
 * need them).
 */
export const TEMPORAL_SERVER_VERSION = 'v1.30.4';
const SERVER_BIN = path.join(
  PROJECT_ROOT,
  '.tools',
  'temporal-server',
  TEMPORAL_SERVER_VERSION,
  'bin',
);
export const TEMPORAL_SERVER = path.join(SERVER_BIN, 'server');
export const TEMPORAL_SQL_TOOL = path.join(SERVER_BIN, 'sql');

/** Builds the production Temporal server if it is missing (about 4 minutes the first time). */
export function ensureTemporalServer(): void {
  if (fs.existsSync(TEMPORAL_SERVER) && fs.existsSync(TEMPORAL_SQL_TOOL)) return;
  const script = path.join(PROJECT_ROOT, 'scripts', 'install-temporal-server.mjs');
  const res = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (res.status !== 0) {
    throw new Error(
      'Building the production Temporal server failed (see above); fix that and run `npm run install:cluster`.',
    );
  }
}
