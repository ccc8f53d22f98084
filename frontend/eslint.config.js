// Lint for the app: typescript-eslint's recommended rules, and no user-facing literal text in
// JSX (every string comes from the catalogues in src/locales/ through t()).
import js from "@eslint/js";
import i18next from "eslint-plugin-i18next";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "src/api/gql/", "node_modules/", "test-results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["src/**/*.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.tsx"],
    plugins: { i18next },
    rules: {
      // text between tags, and the attributes people read, must come from t()
      "i18next/no-literal-string": [
        "error",
        {
          mode: "jsx-only",
          "jsx-attributes": { include: ["title", "alt", "placeholder", "aria-label", "label"] },
          words: { exclude: ["^[·—–…:,.()|/+\\-×→←↑↓✓✕•\\s\\d%]+$"] },
        },
      ],
    },
  },
  {
    files: ["scripts/**/*.mjs", "tests/**/*.mjs", "*.js", "*.ts"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
