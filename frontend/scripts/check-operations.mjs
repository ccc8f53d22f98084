// Validates every GraphQL document of src/api/operations.ts against the committed schema
// (../schema.graphql), so that the SPA's hand-written operations cannot drift from the API.
// Documents are the template literals after a GraphQL marker comment; `${NAME}` inside one is
// replaced by the marked constant NAME (fragments).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildSchema, parse, validate } from "graphql";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const schema = buildSchema(readFileSync(here("../../schema.graphql"), "utf8"));
const source = readFileSync(here("../src/api/operations.ts"), "utf8");

const marked = [...source.matchAll(/(?:const (\w+) = )?\/\* GraphQL \*\/\s*`([^`]*)`/g)];
const constants = Object.fromEntries(marked.filter((m) => m[1]).map((m) => [m[1], m[2]]));
const resolve = (text) =>
  text.replace(/\$\{(\w+)\}/g, (_, name) => {
    if (!(name in constants)) throw new Error(`unknown \${${name}} in a GraphQL document`);
    return constants[name];
  });

let failures = 0;
let checked = 0;
for (const [, name, text] of marked) {
  if (name) continue; // a fragment: checked inside the operations that use it
  let document;
  try {
    document = parse(resolve(text));
  } catch (error) {
    failures += 1;
    console.error(`operations.ts: ${error.message}\n${text}`);
    continue;
  }
  const operation = document.definitions.find((d) => d.kind === "OperationDefinition");
  const label = operation?.name?.value ?? "(anonymous)";
  const errors = validate(schema, document);
  checked += 1;
  for (const error of errors) {
    failures += 1;
    console.error(`operations.ts ${label}: ${error.message}`);
  }
}
if (checked === 0) {
  console.error("operations.ts: no /* GraphQL */ documents found");
  process.exit(1);
}
if (failures) process.exit(1);
console.log(`operations: ${checked} documents valid against schema.graphql`);
