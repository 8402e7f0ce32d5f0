import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const secretsSchema = z.object({
  jwtSecret: z.string().min(32),
  n8nHmacSecret: z.string().min(32),
});
export type LocalSecrets = z.infer<typeof secretsSchema>;

/**
 * The secrets of a local stack: made once at the first `npm start`, kept in
 * DATA_DIR/secrets.json (mode 600, ignored by git), the same on every later start.
 */
export function loadOrCreateSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, 'secrets.json');
  if (fs.existsSync(file)) return secretsSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const secrets: LocalSecrets = {
    jwtSecret: randomBytes(32).toString('base64url'),
    n8nHmacSecret: randomBytes(32).toString('base64url'),
  };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
