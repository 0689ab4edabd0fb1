import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The README's layering, kept by the lint rather than by review: no app imports another app, no lib imports an
// app (so reporting can reach the normalized model only through @pp/domain, never through the normalizer).
// test/**, bench/** and scripts/** boot apps and may import them; apps and libs may import libs (the migrations
// index files do so by relative path on purpose: the test global setup loads them without path mapping).
//
// An import specifier is matched as written, without the importing file's location, so a relative climb out of
// an app is recognised by its depth: a file N directories below apps/<app>/ leaves its app with exactly N + 1
// `..` segments. One block per depth (disjoint globs: a file gets exactly one) forbids that many `..` unless a
// further `..` follows, which climbs to the repo root (where `libs/...` is allowed and `apps/...` is caught by
// the path-segment rule below). Deeper than MAX_APP_DEPTH would go unchecked: the source tree is 3 deep today.
const MAX_APP_DEPTH = 12;

/** Any specifier that goes through an `apps` directory: `apps/x` (tsconfig's baseUrl), `../../../apps/x`. */
const THROUGH_APPS_DIR = '(^|/)apps(/|$)';
/** A relative specifier leaving an app from a file `depth` directories below apps/<app>/ into apps/<other>. */
const leavingApp = (depth) => `^(\\./)?(\\.\\./){${depth}}\\.\\.(/(?!\\.\\.(/|$))|$)`;

const APP_MESSAGE =
  'An app must not import another app (README, Repository layout): share code through a lib under libs/.';
const LIB_MESSAGE = 'A lib must not import an app (README, Repository layout): move what both need into a lib.';

/**
 * Static imports, `export … from` and `import x = require()` (including type-only ones: reporting must not even
 * read the normalizer's types) through @typescript-eslint/no-restricted-imports; `import()` and `require()`,
 * which that rule does not see, through no-restricted-syntax. esquery regexes cannot contain `/`, hence \x2F.
 */
function forbid(regexes, message) {
  const selectorRegex = (regex) => regex.replaceAll('/', '\\x2F');
  return {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns: regexes.map((regex) => ({ regex, message })) }],
    'no-restricted-syntax': [
      'error',
      ...regexes.flatMap((regex) => [
        { selector: `ImportExpression[source.value=/${selectorRegex(regex)}/]`, message },
        {
          selector: `CallExpression[callee.name='require'][arguments.0.value=/${selectorRegex(regex)}/]`,
          message,
        },
      ]),
    ],
  };
}

const appBoundaries = Array.from({ length: MAX_APP_DEPTH + 1 }, (_, depth) => ({
  files: [`apps/*/${'*/'.repeat(depth)}*.{ts,mts,cts,js,mjs,cjs}`],
  rules: forbid([THROUGH_APPS_DIR, leavingApp(depth)], APP_MESSAGE),
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-console': 'error',
    },
  },
  {
    files: ['scripts/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  ...appBoundaries,
  {
    files: ['libs/**'],
    rules: forbid([THROUGH_APPS_DIR], LIB_MESSAGE),
  },
);
