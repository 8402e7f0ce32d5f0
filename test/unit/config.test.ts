import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';

describe('parseConfig', () => {
  it('gives safe local defaults: embedded services on their documented ports', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      EMBEDDED_PG_PORT: 54329,
      TEMPORAL_PORT: 7233,
      TEMPORAL_UI_PORT: 8233,
      TEMPORAL_NAMESPACE: 'default',
    });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.TEMPORAL_ADDRESS).toBeUndefined();
    expect(c.dataDir).toMatch(/\.data$/);
  });

  it('treats an empty URL as unset (embedded) and coerces ports', () => {
    const c = parseConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: ' ', PORT: '8080' });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.TEMPORAL_ADDRESS).toBeUndefined();
    expect(c.PORT).toBe(8080);
  });

  it('names every bad variable', () => {
    const bad = () =>
      parseConfig({ PORT: '70000', TEMPORAL_ADDRESS: 'no-port', DATABASE_URL: 'x' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(
      /^Invalid configuration:\n {2}PORT: .*\n {2}DATABASE_URL: .*\n {2}TEMPORAL_ADDRESS: must be host:port$/s,
    );
  });

  it('keeps the dev login off by default and refuses it in production', () => {
    expect(parseConfig({}).DEV_LOGIN).toBe(false);
    expect(parseConfig({ DEV_LOGIN: 'true' }).DEV_LOGIN).toBe(true);
    expect(() => parseConfig({ NODE_ENV: 'production', DEV_LOGIN: 'true' })).toThrow(
      /DEV_LOGIN: must be off when NODE_ENV=production/,
    );
  });
});
