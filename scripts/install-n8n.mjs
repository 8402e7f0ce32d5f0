#!/usr/bin/env node
// Installs the n8n that `npm start` and the end-to-end test run, into n8n/node_modules, from
// the npm registry (n8n/package-lock.json pins it). Kept out of the main dependency tree: it
// is about 1.7 GB and takes a few minutes the first time. Run by `npm install` (postinstall)
// and by `npm start` when missing; does nothing when the pinned version is there.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'n8n');
export const N8N_BIN = path.join(dir, 'node_modules', '.bin', 'n8n');

function installedVersion() {
  try {
    return JSON.parse(
      fs.readFileSync(path.join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8'),
    ).version;
  } catch {
    return undefined;
  }
}

export function installN8n() {
  const wanted = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies
    .n8n;
  if (installedVersion() === wanted && fs.existsSync(N8N_BIN)) {
    console.log(`[n8n] n8n ${wanted} already in n8n/node_modules`);
    return true;
  }
  console.log(
    `[n8n] installing n8n ${wanted} into n8n/node_modules (about 1.7 GB, a few minutes the first time) ...`,
  );
  const started = Date.now();
  // sqlite3 compiles from source (its prebuilt binaries are not on npm): point node-gyp at
  // the system's Node headers, and let it use every core (about half the time on two).
  const res = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    stdio: 'inherit',
    env: {
      ...process.env,
      JOBS: process.env.JOBS ?? 'max',
      npm_config_nodedir:
        process.env.npm_config_nodedir ?? path.dirname(path.dirname(process.execPath)),
    },
  });
  if (res.status !== 0 || !fs.existsSync(N8N_BIN)) {
    console.error(
      '[n8n] installing n8n failed (see above). It needs the npm registry, g++, make and python3; then run `node scripts/install-n8n.mjs`.',
    );
    return false;
  }
  console.log(`[n8n] done in ${Math.round((Date.now() - started) / 1000)} s`);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(installN8n() ? 0 : 1);
}
