// Chromium for the console's browser tests (driven by playwright-core; no browser download):
// Debian's `chromium` package. Installed with apt when missing and this runs as root (CI);
// otherwise this says what to run, and `npm install` goes on (only the browser tests need it).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'];

/** The Chromium executable: CHROMIUM_PATH, else the first of the usual places. */
export function findChromium() {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return fs.existsSync(configured) ? configured : undefined;
  return CANDIDATES.find((p) => fs.existsSync(p));
}

export function installChromium() {
  const found = findChromium();
  if (found) {
    console.log(`[chromium] ${found}`);
    return;
  }
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (!root || !apt || process.env.SKIP_CHROMIUM_INSTALL === '1') {
    console.log(
      '[chromium] not found. The console browser tests need it: run `sudo apt-get install -y chromium`' +
        ' (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome executable.',
    );
    return;
  }
  console.log("[chromium] installing Debian's chromium with apt (about a minute) ...");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env,
  });
  const installed = findChromium();
  if (!installed) throw new Error('[chromium] apt installed chromium, but no executable was found');
  console.log(`[chromium] ${installed}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    installChromium();
  } catch (err) {
    // Not fatal for the install: the browser tests say what is missing when they run.
    console.log(`[chromium] could not install it: ${err instanceof Error ? err.message : err}`);
  }
}
