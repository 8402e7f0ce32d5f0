import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes.js';
import { parseConfig, PROJECT_ROOT } from '../../src/config.js';
import { definitionFiles, DISPATCH_PATH, N8N_DEFINITION_ENV } from '../../src/dev/n8n.js';
import {
  composeSchemaValidator,
  dockerIgnores,
  exampleEnv,
  loadCompose,
  rawCompose,
  serviceEnv,
} from './compose.js';

// docker-compose.yml, .env.example and .dockerignore checked without a Docker engine: against
// the Compose specification's JSON schema, our config schema (src/config.ts), and each other.

/** Our services (the image of ./Dockerfile); the others are third-party images. */
const OURS = ['migrate', 'worker', 'api'] as const;
/** What each entrypoint's main() refuses to start without (besides what the schema checks). */
const REQUIRED: Record<(typeof OURS)[number], string[]> = {
  migrate: ['DATABASE_URL'],
  worker: ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'N8N_WEBHOOK_URL'],
  api: ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'JWT_SECRET', 'N8N_HMAC_SECRET'],
};
const COMMANDS: Record<(typeof OURS)[number], string> = {
  migrate: 'dist/db/migrate.js',
  worker: 'dist/src/worker.js',
  api: 'dist/src/api/server.js',
};

const { compose, used, required } = loadCompose();
const services = compose.services;

describe('docker-compose.yml', () => {
  it('is valid by the Compose specification JSON schema (compose-go v2.17.0)', () => {
    const validate = composeSchemaValidator();
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
    // The validator does refuse what the specification refuses.
    const broken = structuredClone(compose);
    broken.services.worker!.depends_on = { migrate: { condition: 'finished' } };
    expect(validate(broken)).toBe(false);
  });

  it('needs only variables that .env.example sets, and .env.example sets nothing unused', () => {
    const example = exampleEnv();
    for (const name of required) expect(example, `${name} in .env.example`).toHaveProperty(name);
    expect(Object.keys(example).filter((k) => !used.has(k))).toEqual([]);
    // Without .env, compose stops with the message rather than starting half-configured.
    expect(() => loadCompose({})).toThrow(/is not set/);
  });

  it.each(OURS)(
    '%s: its environment parses with src/config.ts and names only settings it knows',
    (name) => {
      const env = serviceEnv(services[name]!);
      const config = parseConfig(env);
      // parseConfig keeps the settings it knows and drops others: a typo would vanish here.
      expect(Object.keys(env).filter((key) => !(key in config))).toEqual([]);
      for (const key of REQUIRED[name]) expect(config[key as keyof typeof config]).toBeTruthy();
      expect(config.NODE_ENV).toBe('production');
    },
  );

  it('runs API, worker and migrate from one image of ./Dockerfile, each with its built entrypoint', () => {
    const raw = rawCompose().services;
    for (const name of OURS) {
      expect(raw[name]!.build, name).toBe('.');
      expect(raw[name]!.image, name).toBe(raw.worker!.image);
      expect(services[name]!.command, name).toEqual(['node', COMMANDS[name]]);
    }
  });

  it('starts the worker and the API only after the migrate job and the Temporal setup succeeded', () => {
    for (const name of ['worker', 'api']) {
      expect(services[name]!.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        'temporal-setup': { condition: 'service_completed_successfully' },
      });
    }
    expect(services.temporal!.depends_on).toMatchObject({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(services.n8n!.depends_on).toMatchObject({
      'n8n-import': { condition: 'service_completed_successfully' },
    });
  });

  it('can scale the worker: no container_name, no host port', () => {
    expect(services.worker!.container_name).toBeUndefined();
    expect(services.worker!.ports).toBeUndefined();
    for (const [name, service] of Object.entries(services)) {
      expect(service.container_name, name).toBeUndefined();
    }
  });

  it('gives every long-running service a health check, and pins every image', () => {
    const { version } = JSON.parse(
      fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'),
    ) as { version: string };
    for (const [name, service] of Object.entries(services)) {
      const oneShot = service.restart?.startsWith('on-failure');
      if (!oneShot) expect(service.healthcheck?.test, name).toBeDefined();
      // Ours is tagged with the package's version; the others with a released version.
      if (service.build) expect(service.image, name).toBe(`rexera-workflow-worker:${version}`);
      else expect(service.image, name).toMatch(/:\d+\.\d+(\.\d+)?(-[a-z]+)?$/);
    }
  });

  it('uses Temporal server 1.30.4 with its schema and admin tools, not the auto-setup image', () => {
    expect(services.temporal!.image).toBe('temporalio/server:1.30.4');
    expect(services['temporal-schema']!.image).toBe('temporalio/admin-tools:1.30.4');
    expect(JSON.stringify(compose)).not.toContain('auto-setup');
    const schemaJob = services['temporal-schema']!.command!.join('\n');
    expect(schemaJob).toContain('/etc/temporal/schema/postgresql/v12/temporal/versioned');
    expect(schemaJob).toContain('/etc/temporal/schema/postgresql/v12/visibility/versioned');
    expect(serviceEnv(services.temporal!)).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgres',
      DBNAME: 'temporal',
      VISIBILITY_DBNAME: 'temporal_visibility',
      POSTGRES_PWD: serviceEnv(services['temporal-schema']!).SQL_PASSWORD,
    });
  });

  it('creates the namespace and every custom search attribute of workflows/search-attributes.ts', () => {
    const setup = services['temporal-setup']!.command!.join('\n');
    expect(setup).toContain('temporal operator namespace create');
    for (const key of SEARCH_ATTRIBUTE_KEYS) {
      const type = key.type === 'DATETIME' ? 'Datetime' : 'Keyword';
      expect(setup).toContain(`${key.name}:${type}`);
    }
    expect(serviceEnv(services['temporal-setup']!).NAMESPACE).toBe(
      serviceEnv(services.worker!).TEMPORAL_NAMESPACE,
    );
  });

  it('wires the services to each other: addresses, credentials and the shared secret', () => {
    const example = exampleEnv();
    const worker = serviceEnv(services.worker!);
    const api = serviceEnv(services.api!);
    const n8n = serviceEnv(services.n8n!);
    for (const env of [worker, api, serviceEnv(services.migrate!)]) {
      const url = new URL(env.DATABASE_URL!);
      expect(url.hostname).toBe('postgres');
      expect(decodeURIComponent(url.password)).toBe(example.POSTGRES_PASSWORD);
      expect(url.username).toBe(serviceEnv(services.postgres!).POSTGRES_USER);
    }
    expect(worker.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(new URL(worker.N8N_WEBHOOK_URL!)).toMatchObject({
      hostname: 'n8n',
      port: n8n.N8N_PORT,
      pathname: DISPATCH_PATH,
    });
    expect(new URL(worker.API_PUBLIC_URL!)).toMatchObject({ hostname: 'api', port: api.PORT });
    expect(n8n.N8N_HMAC_SECRET).toBe(api.N8N_HMAC_SECRET);
    expect(serviceEnv(services['n8n-import']!)).toEqual(n8n);
  });

  it("parses each job's script as POSIX shell (sh -n, after compose's $$ unescaping)", () => {
    const jobs = Object.entries(services).filter(
      ([, service]) => (service.entrypoint as string[] | undefined)?.[0] === '/bin/sh',
    );
    expect(jobs.map(([name]) => name).sort()).toEqual(
      ['n8n-import', 'postgres-setup', 'temporal-schema', 'temporal-setup'].sort(),
    );
    for (const [name, service] of jobs) {
      expect(service.command, name).toHaveLength(1);
      expect(
        () => execFileSync('sh', ['-n', '-c', service.command![0]!], { stdio: 'pipe' }),
        name,
      ).not.toThrow();
    }
    expect(() => execFileSync('sh', ['-n', '-c', 'if then fi'], { stdio: 'pipe' })).toThrow();
  });

  it('gives n8n every definition of n8n/ and every variable the definitions read', () => {
    const mounted = (services['n8n-import']!.volumes ?? [])
      .map((v) => v.split(':'))
      .filter(([, target]) => target?.startsWith('/definitions/'));
    expect(mounted.map(([source]) => path.resolve(PROJECT_ROOT, source!)).sort()).toEqual(
      definitionFiles().sort(),
    );
    const n8n = serviceEnv(services.n8n!);
    for (const key of N8N_DEFINITION_ENV) expect(n8n, key).toHaveProperty(key);
  });
});

describe('.dockerignore', () => {
  const rules = fs.readFileSync(path.join(PROJECT_ROOT, '.dockerignore'), 'utf8');

  it('keeps n8n/node_modules, .data, secrets and local installs out of the build context', () => {
    for (const file of [
      'n8n/node_modules/n8n/package.json',
      '.data/postgres/PG_VERSION',
      '.data/secrets.json',
      'node_modules/pg/package.json',
      '.tools/temporal',
      '.env',
      'dist/src/worker.js',
      'console/dist/index.html',
      '.git/HEAD',
      'test/deploy/compose.test.ts',
    ]) {
      expect(dockerIgnores(rules, file), file).toBe(true);
    }
  });

  it('keeps in every file that `npm run build` reads', () => {
    const tracked = execFileSync(
      'git',
      ['ls-files', 'src', 'workflows', 'activities', 'db', 'console', 'scripts/build.ts'],
      { cwd: PROJECT_ROOT, encoding: 'utf8' },
    )
      .split('\n')
      .filter(Boolean);
    const needed = [
      ...tracked,
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      '.env.example',
    ];
    expect(tracked.length).toBeGreaterThan(50);
    expect(needed.filter((file) => dockerIgnores(rules, file))).toEqual([]);
    expect(fs.existsSync(path.join(PROJECT_ROOT, 'scripts/build.ts'))).toBe(true);
  });
});
