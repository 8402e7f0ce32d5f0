import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONSOLE_API_TYPES, consoleApiTypes } from '../../scripts/console-api-types.js';

// The console's API client is typed from the API's OpenAPI document: a route, parameter or
// body that changed without `npm run console:types` fails here, and the console's typecheck
// then says which call of the page no longer fits.

describe('the console API types', () => {
  it('are what the API document says now', async () => {
    expect(fs.readFileSync(CONSOLE_API_TYPES, 'utf8')).toBe(await consoleApiTypes());
  });
});
