import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A throw-away folder that PostgreSQL's unprivileged user can enter (we may be root). */
export function tempDataDir(prefix: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rexera-${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
