#!/usr/bin/env node
// Writes the registry-driven part of schemas/scene.schema.json: `perturbations.items.properties.op.enum` (+ its
// `enumDescriptions`) and `perturbations.items.allOf` (one if/then per op: params' types, ranges, defaults and
// help), so the JSON editor completes and checks every op's parameters. Everything else in the schema is written
// by hand and kept as it is (the edit goes through jsonc-parser's `modify`, which leaves the rest of the text alone).
// Reads the compiled registry: run `npx tsc -p test/tsconfig.json` first (npm test's compile-tests stage does).
//   node scripts/gen-perturbation-schema.mjs          rewrite the schema
//   node scripts/gen-perturbation-schema.mjs --check  exit 1 when the schema is out of date (run by the unit tests)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(fileURLToPath(import.meta.url), '..', '..');
const require = createRequire(import.meta.url);
const { applyEdits, modify } = require('jsonc-parser');

const SCHEMA = join(REPO, 'schemas', 'scene.schema.json');
const REGISTRY = join(REPO, 'out', 'core', 'perturbations', 'registry.js');
const GENERATOR = join(REPO, 'out', 'core', 'perturbationSchema.js');

/** The schema text with the generated parts replaced (pure; exported for the unit test through --check). */
export function generate(text, ops, withPerturbationSchema) {
  const generated = withPerturbationSchema(JSON.parse(text), ops);
  const items = generated.properties.perturbations.items;
  const formattingOptions = { insertSpaces: true, tabSize: 2, eol: '\n' };
  let out = text;
  const base = ['properties', 'perturbations', 'items'];
  for (const [path, value] of [
    [[...base, 'properties', 'op', 'enum'], items.properties.op.enum],
    [[...base, 'properties', 'op', 'enumDescriptions'], items.properties.op.enumDescriptions],
    [[...base, 'allOf'], items.allOf],
  ]) {
    out = applyEdits(out, modify(out, path, value, { formattingOptions }));
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of [REGISTRY, GENERATOR]) {
    if (!existsSync(file)) {
      console.error(`gen-perturbation-schema: ${file} is missing; run \`npx tsc -p test/tsconfig.json\` first`);
      process.exit(1);
    }
  }
  const { opCatalog } = require(REGISTRY);
  const { withPerturbationSchema } = require(GENERATOR);
  const text = readFileSync(SCHEMA, 'utf8');
  const ops = opCatalog();
  const next = generate(text, ops, withPerturbationSchema);
  if (process.argv.includes('--check')) {
    if (next !== text) {
      console.error('gen-perturbation-schema: schemas/scene.schema.json does not match the perturbation registry; run `node scripts/gen-perturbation-schema.mjs`');
      process.exit(1);
    }
    console.log(`gen-perturbation-schema: schema up to date (${ops.length} ops)`);
  } else {
    writeFileSync(SCHEMA, next);
    console.log(`gen-perturbation-schema: wrote ${ops.length} ops into schemas/scene.schema.json`);
  }
}
