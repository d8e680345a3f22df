// Flat ESLint config shared by every project (each project lints its own src/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noApps = {
  group: ['@seqtrain/coordinator', '@seqtrain/worker', '@seqtrain/cli'],
  message: 'Apps depend on packages, never the reverse.',
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only (house style).' },
      ],
    },
  },
  {
    files: ['packages/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noApps] }],
    },
  },
  {
    // Later entries win: collective gets both restrictions.
    files: ['packages/collective/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noApps,
            { group: ['@tensorflow/*'], message: 'The collective layer moves Float32Arrays and knows nothing of tfjs.' },
          ],
        },
      ],
    },
  }
);
