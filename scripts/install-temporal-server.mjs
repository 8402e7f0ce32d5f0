#!/usr/bin/env node
// Builds the production Temporal server (PostgreSQL persistence, SQL visibility) and its
// schema tool from the Go module proxy, into .tools/temporal-server/<version>/ (ignored):
//   bin/server   the server, one process per service (frontend, history, matching, worker)
//   bin/sql      temporal-sql-tool: sets up and upgrades the `temporal` and
//                `temporal_visibility` schemas (the versioned SQL is embedded in it)
// Only `npm run start:cluster` and `npm run test:cluster` need it, so `npm install` does not
// run it (about 4 minutes of Go build the first time); they call it when it is missing.
// Re-running is cheap: it does nothing when this version is already there.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPORAL_SERVER_VERSION = 'v1.30.4';
const MODULE = 'go.temporal.io/server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_DIR = path.join(root, '.tools', 'temporal-server', TEMPORAL_SERVER_VERSION);
const bin = path.join(SERVER_DIR, 'bin');
const marker = path.join(SERVER_DIR, 'installed.json');

const log = (msg) => console.log(`[temporal-server] ${msg}`);

function upToDate() {
  return (
    fs.existsSync(marker) &&
    fs.existsSync(path.join(bin, 'server')) &&
    fs.existsSync(path.join(bin, 'sql'))
  );
}

async function go(args, what) {
  const started = Date.now();
  // Progress: a line every 30 s, since `go install` is silent while it compiles.
  const ticker = globalThis.setInterval(
    () => log(`${what}: still building (${Math.round((Date.now() - started) / 1000)} s) ...`),
    30_000,
  );
  const status = await new Promise((resolve) => {
    const child = spawn('go', args, {
      stdio: 'inherit',
      env: { ...process.env, GOBIN: bin, GOFLAGS: '-mod=mod' },
    });
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(-1));
  });
  globalThis.clearInterval(ticker);
  if (status !== 0) {
    throw new Error(
      `go ${args.join(' ')} failed (exit ${status}); read Go's lines above (the Go module proxy unreachable? disk full?), fix that and run \`npm run install:cluster\` again.`,
    );
  }
  log(`${what}: built in ${Math.round((Date.now() - started) / 1000)} s`);
}

export async function installTemporalServer() {
  if (upToDate()) return;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      'The production Temporal server builds with Go, which is not on the PATH: install Go (1.26 or newer) and run `npm run install:cluster` again.',
    );
  }
  fs.mkdirSync(bin, { recursive: true });
  log(`building ${MODULE} ${TEMPORAL_SERVER_VERSION} with Go (about 4 minutes the first time) ...`);
  await go(['install', `${MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`], 'server');
  await go(['install', `${MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`], 'sql tool');
  fs.writeFileSync(marker, JSON.stringify({ version: TEMPORAL_SERVER_VERSION }) + '\n');
  log(`ready in ${SERVER_DIR}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  installTemporalServer().catch((err) => {
    console.error(`[temporal-server] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
