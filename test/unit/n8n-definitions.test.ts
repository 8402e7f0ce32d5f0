import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { communicationUrlBeside } from '../../activities/n8n.js';
import {
  definitionFiles,
  DISPATCH_PATH,
  environment,
  N8N_DEFINITION_ENV,
  webhookPaths,
} from '../../src/dev/n8n.js';

describe('the n8n definitions in n8n/', () => {
  it('are n8n workflow exports with an ID, nodes and connections (importing them is the e2e test)', () => {
    const files = definitionFiles();
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const file of files) {
      const wf = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        id: string;
        name: string;
        nodes: { name: string; type: string }[];
        connections: Record<string, unknown>;
      };
      expect(wf.id, file).toMatch(/^[A-Za-z0-9]{1,32}$/);
      expect(wf.nodes.length).toBeGreaterThan(0);
      for (const from of Object.keys(wf.connections))
        expect(wf.nodes.map((n) => n.name)).toContain(from);
    }
  });

  it('read only environment variables the launcher sets', () => {
    for (const file of definitionFiles()) {
      const text = fs.readFileSync(file, 'utf8');
      const used = new Set([...text.matchAll(/\$env\.([A-Z0-9_]+)/g)].map((m) => m[1]));
      expect(
        [...used].filter((v) => !N8N_DEFINITION_ENV.includes(v!)),
        file,
      ).toEqual([]);
      expect(used.size).toBeGreaterThan(0);
    }
    const env = environment({
      port: 5678,
      userFolder: '/tmp/n8n',
      encryptionKey: 'k'.repeat(24),
      agentUrl: 'http://127.0.0.1:5679',
      hmacSecret: 's'.repeat(32),
    });
    for (const name of N8N_DEFINITION_ENV) expect(env[name], name).toBeTruthy();
  });

  it('serve the webhooks the worker calls', () => {
    const dispatch = `http://127.0.0.1:5678${DISPATCH_PATH}`;
    expect(webhookPaths().sort()).toEqual(
      [DISPATCH_PATH, new URL(communicationUrlBeside(dispatch)).pathname].sort(),
    );
    expect(communicationUrlBeside(`${dispatch}/`)).toBe(communicationUrlBeside(dispatch));
  });
});
