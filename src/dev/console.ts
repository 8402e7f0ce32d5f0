import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.js';
import { CONSOLE_DIST } from '../api/console/router.js';

// The HIL console (console/) is a Vite build the API serves at /console. Built by
// `npm install` (postinstall) and again here when its sources are newer than the build.

const SOURCES = [path.join(PROJECT_ROOT, 'console'), path.join(PROJECT_ROOT, 'src/api/openapi.ts')];

/** The newest modification time under `p` (skipping the build itself and node_modules). */
function newest(p: string): number {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of fs.readdirSync(p)) {
    if (entry === 'dist' || entry === 'node_modules') continue;
    latest = Math.max(latest, newest(path.join(p, entry)));
  }
  return latest;
}

/** Whether the built console is missing or older than its sources. */
export function consoleIsStale(): boolean {
  const index = path.join(CONSOLE_DIST, 'index.html');
  if (!fs.existsSync(index)) return true;
  const built = fs.statSync(index).mtimeMs;
  return SOURCES.some((p) => fs.existsSync(p) && newest(p) > built);
}

/** Builds the console with Vite when it is missing or stale (about 10 s). */
export function ensureConsoleBuilt(say: (m: string) => void): Promise<void> {
  if (!consoleIsStale()) return Promise.resolve();
  say('building the HIL console (console/, Vite): about 10 s');
  try {
    execFileSync(
      process.execPath,
      [
        path.join(PROJECT_ROOT, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'console/vite.config.ts',
        '--logLevel',
        'warn',
      ],
      { cwd: PROJECT_ROOT, stdio: 'inherit' },
    );
  } catch {
    return Promise.reject(
      new Error(
        "The console did not build: read Vite's lines above, fix console/, and run `npm start` again.",
      ),
    );
  }
  return Promise.resolve();
}
