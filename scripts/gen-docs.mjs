#!/usr/bin/env node
// Writes the README's reference sections from their sources, so the docs cannot drift from the code:
// commands and settings from package.json (+ docs/commands.json for the commands' one-line help), the scene
// file format from schemas/scene.schema.json, the manifest format from schemas/model.schema.json, and the table of
// image perturbation ops from the schema's registry-generated part (scripts/gen-perturbation-schema.mjs writes it
// from core/perturbations/registry.ts, and a unit test checks it is current; so the table follows the registry).
//   node scripts/gen-docs.mjs          rewrite README.md between the GENERATED markers
//   node scripts/gen-docs.mjs --check  exit 1 when README.md is out of date (run by check-contributions)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(fileURLToPath(import.meta.url), '..', '..');
const read = (p) => readFileSync(join(REPO, p), 'utf8');
const pkg = JSON.parse(read('package.json'));
const help = JSON.parse(read('docs/commands.json'));
const BEGIN = '<!-- BEGIN GENERATED reference (scripts/gen-docs.mjs; do not edit by hand) -->';
const END = '<!-- END GENERATED reference -->';

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (v) => '`' + JSON.stringify(v) + '`';

function commands() {
  const rows = pkg.contributes.commands.map((c) => {
    const text = help[c.command];
    if (!text) throw new Error(`docs/commands.json has no help for ${c.command}`);
    return `| ${c.category}: ${c.title} | \`${c.command}\` | ${cell(text)} |`;
  });
  const stale = Object.keys(help).filter((id) => !pkg.contributes.commands.some((c) => c.command === id));
  if (stale.length) throw new Error(`docs/commands.json names commands that are not contributed: ${stale.join(', ')}`);
  return ['### Commands', '', '| palette | id | what it does |', '|---|---|---|', ...rows].join('\n');
}

function settings() {
  const rows = Object.entries(pkg.contributes.configuration.properties).map(
    ([id, s]) => `| \`${id}\` | ${code(s.default)} | ${cell(s.markdownDescription ?? s.description ?? '')} |`,
  );
  return ['### Settings', '', '| setting | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

function typeOf(s) {
  if (s.const !== undefined) return code(s.const);
  // The perturbation op ids (the one long enum with descriptions): listed with their parameters in their own table.
  if (s.enumDescriptions && s.enum?.includes('gaussianBlur')) return 'string (an op id, see [Image perturbation ops](#image-perturbation-ops))';
  if (s.enum) return s.enum.map((v) => code(v)).join(' \\| ');
  if (s.oneOf || s.anyOf) return (s.oneOf ?? s.anyOf).map(typeOf).join(' or ');
  let t = Array.isArray(s.type) ? s.type.join(' or ') : s.type ?? (s.properties ? 'object' : '');
  if (t === 'array' && s.items) t = `array of ${typeOf(s.items)}`;
  const low = s.exclusiveMinimum !== undefined ? `>${s.exclusiveMinimum}` : s.minimum ?? '';
  const range = low !== '' || s.maximum !== undefined ? ` ${low}..${s.maximum ?? ''}` : '';
  return t + range;
}

/** The union branches of a schema node: oneOf/anyOf, also under the `then` of a nullable union. */
function branchesOf(schema) {
  return [...(schema.oneOf ?? schema.anyOf ?? []), ...(schema.then ? branchesOf(schema.then) : [])];
}

/**
 * One row per leaf property, dotted paths; oneOf branches are listed by their discriminating const, after the
 * properties all branches share (which the branches list as `{}`).
 */
function schemaRows(schema, prefix, rows) {
  for (const [name, s] of Object.entries(schema.properties ?? {})) {
    if (name === '$schema' || Object.keys(s).length === 0) continue;
    const p = prefix ? `${prefix}.${name}` : name;
    const nested = s.properties || branchesOf(s).some((b) => b.properties || b.items?.properties);
    if (nested) {
      const listForm = branchesOf(s).some((b) => b.items?.properties);
      rows.push(`| \`${p}\` | ${listForm ? typeOf(s) : 'object'} | | ${cell(s.description ?? '')} |`);
      schemaRows(s, p, rows);
    } else if (s.type === 'array' && s.items?.properties) {
      rows.push(`| \`${p}\` | array | ${s.default !== undefined ? code(s.default) : ''} | ${cell(s.description ?? '')} |`);
      schemaRows(s.items, `${p}[]`, rows);
    } else {
      const required = (schema.required ?? []).includes(name) ? ' (required)' : '';
      const def = s.default !== undefined && typeof s.default !== 'object' ? code(s.default) : '';
      rows.push(`| \`${p}\`${required} | ${typeOf(s)} | ${def} | ${cell(s.description ?? '')} |`);
    }
  }
  for (const b of branchesOf(schema)) {
    if (b.properties) schemaRows(b, prefix, rows);
    // A union with a list form (a manifest's `checkpoints`): the list's entries as `prefix[].field`.
    else if (b.type === 'array' && b.items?.properties) schemaRows(b.items, `${prefix}[]`, rows);
  }
  return rows;
}

function format(title, schemaFile) {
  const schema = JSON.parse(read(schemaFile));
  const rows = [...new Set(schemaRows(schema, '', []))];
  return [`### ${title}`, '', cell(schema.description ?? ''), '', '| field | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** One row per op of the scene schema's `perturbations.items.allOf` (registry order), with its parameters. */
function perturbationOps() {
  const items = JSON.parse(read('schemas/scene.schema.json')).properties.perturbations.items;
  const range = (p) => (p.minimum !== undefined ? ` ${p.minimum}..${p.maximum}` : p.enum ? ` ${p.enum.map((v) => code(v)).join(' \\| ')}` : p.pattern ? (p.pattern.startsWith('^#') ? ' colour' : ' file path') : '');
  const rows = items.allOf.map(({ if: cond, then }) => {
    const id = cond.properties.op.const;
    const meta = then['x-perturbation'];
    const params = Object.entries(then.properties.params.properties).map(
      ([name, p]) => `\`${name}\` (${p.type}${range(p)}, default ${code(p.default)}): ${p.description}`,
    );
    return `| \`${id}\` | ${cell(then.title)} | ${meta.group}${meta.random ? ', random (seed)' : ''} | ${cell(then.description)} | ${cell(params.join('<br>') || 'none')} |`;
  });
  return [
    '### Image perturbation ops',
    '',
    'The values of `perturbations[].op`, in the order of the "Add perturbation" menu. Pixel lengths are given for a 224 px frame and scaled with each model input size.',
    '',
    '| op | name | group | what it does | parameters |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

const generated = [
  BEGIN,
  commands(),
  '',
  settings(),
  '',
  format('Scene file format (`*.perturber.json`, schema `schemas/scene.schema.json`)', 'schemas/scene.schema.json'),
  '',
  perturbationOps(),
  '',
  format('Model manifest format (`*.model.json`, schema `schemas/model.schema.json`)', 'schemas/model.schema.json'),
  END,
].join('\n');

const readme = read('README.md');
const start = readme.indexOf(BEGIN);
const end = readme.indexOf(END);
if (start < 0 || end < 0) {
  console.error(`gen-docs: README.md lacks the markers ${BEGIN} ... ${END}`);
  process.exit(1);
}
const next = readme.slice(0, start) + generated + readme.slice(end + END.length);
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error('gen-docs: README.md reference sections are out of date; run `node scripts/gen-docs.mjs`');
    process.exit(1);
  }
  console.log('gen-docs: README.md reference is up to date');
} else {
  writeFileSync(join(REPO, 'README.md'), next);
  console.log('gen-docs: README.md reference written');
}
