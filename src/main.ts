import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs `main` when the calling module is the process entrypoint; a failure is logged and
 * ends the process with a non-zero code.
 */
export function runIfMain(importMetaUrl: string, name: string, main: () => Promise<void>): void {
  if (!process.argv[1] || path.resolve(process.argv[1]) !== fileURLToPath(importMetaUrl)) return;
  main().catch((err: unknown) => {
    console.error(`[${name}] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
}
