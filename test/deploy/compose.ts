import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../../src/config.js';

// Reading docker-compose.yml, .env.example and .dockerignore the way Docker does, for the
// deployment tests (no Docker engine runs here).

export interface ValidationError {
  instancePath: string;
  message?: string;
}
interface Validator {
  (data: unknown): boolean;
  errors?: ValidationError[] | null;
}

/**
 * A validator for the Compose specification's JSON schema (test/deploy/compose-spec.json,
 * draft 2020-12, which Ajv 8 reads).
 */
export function composeSchemaValidator(): Validator {
  const schema = JSON.parse(
    fs.readFileSync(path.join(PROJECT_ROOT, 'test/deploy/compose-spec.json'), 'utf8'),
  ) as object;
  // Not strict: the schema uses annotations (deprecated) and a `duration` format Ajv does not know.
  return new Ajv2020({ strict: false, allErrors: true }).compile(schema);
}

/** The variables of .env.example (what `cp .env.example .env` gives compose). */
export function exampleEnv(): Record<string, string> {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, '.env.example'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const eq = line.indexOf('=');
        return [line.slice(0, eq), line.slice(eq + 1)];
      }),
  );
}

const VARIABLE =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Compose's interpolation of one string: `$$` is a literal `$`; `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alternative}` and `$VAR`.
 * `used` collects every variable named, `required` those with no default.
 */
export function interpolate(
  text: string,
  env: Record<string, string>,
  seen: { used: Set<string>; required: Set<string> },
): string {
  return text.replace(
    VARIABLE,
    (match, braced?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      seen.used.add(name);
      const value = env[name];
      // With a colon, an empty value counts as unset.
      const empty = value === undefined || (op?.startsWith(':') === true && value === '');
      switch (op) {
        case ':-':
        case '-':
          return empty ? (arg ?? '') : value;
        case ':+':
        case '+':
          return empty ? '' : (arg ?? '');
        case ':?':
        case '?':
          seen.required.add(name);
          if (empty) throw new Error(`${name} is not set: ${arg}`);
          return value;
        default:
          seen.required.add(name);
          if (value === undefined) throw new Error(`${name} is not set (no default)`);
          return value;
      }
    },
  );
}

function interpolateAll(
  value: unknown,
  env: Record<string, string>,
  seen: { used: Set<string>; required: Set<string> },
): unknown {
  if (typeof value === 'string') return interpolate(value, env, seen);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, env, seen));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env, seen)]),
    );
  }
  return value;
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  container_name?: string;
  ports?: unknown[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  restart?: string;
  [key: string]: unknown;
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

/** docker-compose.yml as read (anchors and merge keys resolved), before interpolation. */
export function rawCompose(): ComposeFile {
  // Compose resolves YAML merge keys (`<<: *anchor`), which YAML 1.2 leaves to the reader.
  return parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as ComposeFile;
}

/** docker-compose.yml with .env.example's values, as `docker compose config` would see it. */
export function loadCompose(env = exampleEnv()) {
  const seen = { used: new Set<string>(), required: new Set<string>() };
  const compose = interpolateAll(rawCompose(), env, seen) as ComposeFile;
  return { compose, used: seen.used, required: seen.required };
}

/** A service's environment as its process sees it: strings, unset entries left out. */
export function serviceEnv(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {})
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, String(v)]),
  );
}

/** One .dockerignore pattern as a regular expression over a slash-separated relative path. */
function patternRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**` is any number of directories, none included.
      const slashAfter = pattern[i + 2] === '/';
      re += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether Docker leaves `file` (relative to the context) out of the build context: the last
 * .dockerignore rule that matches it or one of its parent directories decides, and a `!`
 * rule puts back what an earlier one took out.
 */
export function dockerIgnores(rules: string, file: string): boolean {
  const patterns = rules
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negated = l.startsWith('!');
      const p = path.posix.normalize((negated ? l.slice(1) : l).trim()).replace(/^\/+|\/+$/g, '');
      return { negated, regex: patternRegex(p) };
    });
  const parts = file.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const { negated, regex } of patterns) {
    if (prefixes.some((p) => regex.test(p))) ignored = !negated;
  }
  return ignored;
}
