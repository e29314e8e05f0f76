// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * `npm run lint`: ESLint's and typescript-eslint's recommended rules (not the type-checked presets:
 * tsc already runs in CI, and they would double the lint time).
 */
export default tseslint.config(
  // .astro/ anywhere: a build's intermediate output (also at the root while `astro build` runs).
  { ignores: ['**/node_modules/', 'site/dist/', '**/.astro/', 'test-results/', 'scratch/', '.dockyard/', '.dev/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      // A leading underscore marks a parameter kept for its position (Express knows an error
      // handler by its four parameters) or a value left out of a destructuring on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['site/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
