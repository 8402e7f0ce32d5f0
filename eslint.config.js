import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O
// clients, no activity implementations (import type only).
const workflowRestrictedImports = {
  paths: [
    ...builtinModules.map((name) => ({
      name,
      message: 'Node built-ins are not allowed in workflow code.',
    })),
    { name: '@temporalio/activity', message: 'Activity code does not belong in workflows.' },
    { name: '@temporalio/client', message: 'Use @temporalio/workflow inside workflows.' },
    { name: '@temporalio/worker', message: 'Use @temporalio/workflow inside workflows.' },
  ],
  patterns: [
    { group: ['node:*'], message: 'Node built-ins are not allowed in workflow code.' },
    {
      group: ['pg', 'express', 'drizzle-orm', 'drizzle-orm/*'],
      message: 'No I/O in workflow code: do it in an activity.',
    },
    {
      group: ['**/activities', '**/activities/*', '**/db/*', '**/src/*'],
      allowTypeImports: true,
      message:
        'Workflows import activities and I/O modules with `import type` only (proxyActivities).',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.tools/',
      '.data/',
      '.test-data/',
      'coverage/',
      'dist/',
      'n8n/node_modules/',
      'db/migrations/',
      '.scratch/',
      'console/dist/',
      'console/src/api/schema.d.ts',
      'test-results/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through src/config.ts (getConfig), not process.env.',
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', workflowRestrictedImports] },
  },
  {
    // The config module is the one reader of process.env; launchers pass env to children.
    files: [
      'src/config.ts',
      'src/dev/start.ts',
      'src/dev/process.ts',
      'src/dev/n8n.ts',
      'console/vite.config.ts',
      'scripts/**',
      'test/**',
      'bench/**',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
);
