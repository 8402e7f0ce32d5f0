import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const secretsSchema = z.object({
  jwtSecret: z.string().min(32),
  n8nHmacSecret: z.string().min(32),
  n8nEncryptionKey: z.string().min(32),
});
export type LocalSecrets = z.infer<typeof secretsSchema>;

/**
 * The secrets of a local stack: made once at the first `npm start`, kept in
 * DATA_DIR/secrets.json (mode 600, ignored by git), the same on every later start.
 */
export function loadOrCreateSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, 'secrets.json');
  const made = () => randomBytes(32).toString('base64url');
  // A file from an earlier version may lack a newer secret: keep what is there, add the rest.
  const existing = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LocalSecrets>)
    : {};
  const secrets = secretsSchema.parse({
    jwtSecret: existing.jwtSecret ?? made(),
    n8nHmacSecret: existing.n8nHmacSecret ?? made(),
    n8nEncryptionKey: existing.n8nEncryptionKey ?? made(),
  });
  if (JSON.stringify(secrets) === JSON.stringify(existing)) return secrets;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
