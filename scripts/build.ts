import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

// `npm run build`: what the Docker image runs, in dist/ (`node dist/src/worker.js`,
// `node dist/src/api/server.js`, `node dist/db/migrate.js`). The compiled code finds its
// files relative to itself, so the layout under dist/ mirrors the repository's:
//   dist/src, dist/workflows, dist/activities, dist/db   tsc -p tsconfig.build.json
//   dist/db/migrations                                   the SQL migrations (db/migrate.ts)
//   dist/workflow-bundle.js                              the prebuilt workflow bundle (src/worker.ts)
//   dist/console/dist                                    the HIL console (src/api/console/router.ts)
// `npm run build -- --out-dir <dir>` builds the same into <dir> (the tests build in a temporary one).

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');

function step(what: string, run: () => void | Promise<void>): Promise<void> {
  const started = Date.now();
  return Promise.resolve(run()).then(() =>
    console.log(`[build] ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`),
  );
}

function node(script: string, args: string[]): void {
  execFileSync(process.execPath, [path.join(ROOT, script), ...args], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

export async function build(outDir = DIST): Promise<void> {
  const out = path.relative(ROOT, outDir);
  fs.rmSync(outDir, { recursive: true, force: true });
  await step(`compiled TypeScript to ${out}/`, () =>
    node('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.build.json', '--outDir', outDir]),
  );
  await step('copied db/migrations', () =>
    fs.cpSync(path.join(ROOT, 'db/migrations'), path.join(outDir, 'db/migrations'), {
      recursive: true,
    }),
  );
  await step(`bundled the workflows into ${out}/workflow-bundle.js`, async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(ROOT, 'workflows/index.ts'),
      // Its warnings and errors only (INFO is webpack's whole report).
      logger: new DefaultLogger('WARN'),
    });
    fs.writeFileSync(path.join(outDir, 'workflow-bundle.js'), code);
  });
  // Into dist/ directly: console/dist stays the one `npm start` and the tests serve.
  await step(`built the console into ${out}/console/dist`, () =>
    node('node_modules/vite/bin/vite.js', [
      'build',
      '--config',
      'console/vite.config.ts',
      '--outDir',
      path.join(outDir, 'console/dist'),
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ]),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
  build(values['out-dir'] ? path.resolve(values['out-dir']) : DIST).catch((err: unknown) => {
    console.error(`[build] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
}
