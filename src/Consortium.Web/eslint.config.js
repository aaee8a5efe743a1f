import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// Flat config: ESLint's and typescript-eslint's recommended rules plus the React hooks rules; generated files excepted.
export default tseslint.config(
  { ignores: ['node_modules', 'src/api/schema.d.ts', '../Consortium.Server/wwwroot'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2022, globals: { ...globals.browser } },
    // The rules of hooks. The plugin's React Compiler rules (refs, set-state-in-effect) are left out: this app is not
    // compiled by the React Compiler, and its ref-of-latest-callback and reset-on-key effects are deliberate.
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // A feature never imports another feature: what several use lives in src/shared/, src/api/ or src/i18n/.
    files: ['src/features/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./[^.]', message: 'Features do not import each other: move what they share to src/shared/.' }] },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', '*.config.js'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2022, globals: { ...globals.node } },
  },
  {
    files: ['*.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
);
