// Fails when a message catalogue misses a key, or a {{placeholder}}, that another language has
// (src/locales/<language>/<namespace>.json), or holds an empty message. English is the reference
// for the keys `t()` accepts (tsc checks those); this checks every other language against it.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../src/locales/", import.meta.url));
const languages = readdirSync(root);
const flatten = (value, prefix = "", out = {}) => {
  for (const [key, inner] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (inner && typeof inner === "object") flatten(inner, path, out);
    else out[path] = String(inner);
  }
  return out;
};
const placeholders = (text) => [...text.matchAll(/\{\{\s*(\w+)[^}]*\}\}/g)].map((m) => m[1]).sort().join(",");
// a plural's forms differ by language (key_one, key_other, …): compare their base keys
const base = (key) => key.replace(/_(zero|one|two|few|many|other)$/, "");

let problems = 0;
const report = (message) => {
  problems += 1;
  console.error(message);
};
const catalogues = {};
for (const language of languages) {
  catalogues[language] = {};
  for (const file of readdirSync(`${root}/${language}`)) {
    catalogues[language][file.replace(/\.json$/, "")] = flatten(JSON.parse(readFileSync(`${root}/${language}/${file}`, "utf8")));
  }
}
const namespaces = new Set(languages.flatMap((language) => Object.keys(catalogues[language])));
for (const namespace of namespaces) {
  for (const language of languages) {
    const mine = catalogues[language][namespace];
    if (!mine) {
      report(`${language}/${namespace}.json is missing`);
      continue;
    }
    for (const [key, text] of Object.entries(mine)) {
      if (!text.trim()) report(`${language}/${namespace}.json: "${key}" is empty`);
    }
    for (const other of languages) {
      if (other === language || !catalogues[other][namespace]) continue;
      const theirs = catalogues[other][namespace];
      const theirBases = new Map(Object.entries(theirs).map(([key, text]) => [base(key), text]));
      for (const [key, text] of Object.entries(mine)) {
        const counterpart = theirBases.get(base(key));
        if (counterpart === undefined) {
          report(`${other}/${namespace}.json lacks "${key}" (in ${language})`);
        } else if (placeholders(counterpart) !== placeholders(text)) {
          report(`${namespace}:${key}: placeholders differ: ${language} {${placeholders(text)}} vs ${other} {${placeholders(counterpart)}}`);
        }
      }
    }
  }
}
if (problems) process.exit(1);
console.log(`i18n: ${languages.join(", ")} agree on ${namespaces.size} namespaces`);
