// GraphQL result and variable types, generated from the committed schema (../schema.graphql) and
// the documents written with `graphql(...)` in src/. `npm run codegen` writes src/api/gql/
// (not committed); `build` and `check` run it first, so a schema change that breaks the app
// fails the build. Documents are plain strings at run time (documentMode "string").
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/api/gql/**/*"],
  ignoreNoDocuments: false,
  silent: true,
  generates: {
    "./src/api/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: "string",
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        scalars: { DateTime: "string", Date: "string", JSON: "unknown", ID: "string" },
      },
    },
  },
};

export default config;
