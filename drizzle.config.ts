import { defineConfig } from 'drizzle-kit';

// Only generates SQL from the schema; nothing here connects to a database.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/index.ts',
  out: './db/migrations',
  casing: 'snake_case',
  schemaFilter: ['public'],
});
