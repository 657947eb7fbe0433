#!/usr/bin/env node
// Checks package.json against the source: every contributed command is registered in src/ and every registered
// command is contributed; every setting read in src/config.ts is declared under contributes.configuration and
// every declared setting is read. Also checks that menus name contributed commands, and that README's table "In an
// untrusted workspace" has exactly one row per contributed command. Exit 1 listing problems.
//
//   node scripts/check-contributions.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(fileURLToPath(import.meta.url), '..', '..');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const contributes = pkg.contributes ?? {};

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Removes comments so a command id in a comment does not count as registered. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const problems = [];

// ---------------------------------------------------------------- commands
const registered = new Map(); // id -> file
const REGISTER = /registerCommand\(\s*(['"`])([\w.-]+)\1/g;
for (const file of sourceFiles(join(REPO, 'src'))) {
  const text = stripComments(readFileSync(file, 'utf8'));
  for (const m of text.matchAll(REGISTER)) {
    const id = m[2];
    if (registered.has(id)) problems.push(`command ${id} is registered twice (${registered.get(id)} and ${relative(REPO, file)})`);
    registered.set(id, relative(REPO, file));
  }
}
const contributed = new Set((contributes.commands ?? []).map((c) => c.command));
for (const c of contributes.commands ?? []) {
  if (!registered.has(c.command)) problems.push(`command ${c.command} is contributed but not registered in src/`);
  if (c.category !== 'Perturber') problems.push(`command ${c.command} needs "category": "Perturber"`);
  if (!c.title) problems.push(`command ${c.command} has no title`);
}
for (const [id, file] of registered) {
  if (!contributed.has(id)) problems.push(`command ${id} is registered in ${file} but not contributed in package.json`);
}
for (const [menu, items] of Object.entries(contributes.menus ?? {})) {
  for (const item of items) {
    if (item.command && !contributed.has(item.command)) problems.push(`menu ${menu} names ${item.command}, which is not contributed`);
  }
}

// ---------------------------------------------------------------- workspace trust
// README "In an untrusted workspace": one row per contributed command, none for a command that is not contributed.
{
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('\n### In an untrusted workspace\n');
  const body = start < 0 ? '' : readme.slice(start + 1).split('\n').slice(1).join('\n');
  const end = body.search(/^#/m);
  const table = end < 0 ? body : body.slice(0, end);
  const rows = [...table.matchAll(/^\| `(perturber\.[\w.-]+)` \|\s*\S/gm)].map((m) => m[1]);
  if (!table) problems.push('README.md has no "### In an untrusted workspace" table');
  for (const id of contributed) if (!rows.includes(id)) problems.push(`README "In an untrusted workspace" has no row for ${id}`);
  for (const id of rows) if (!contributed.has(id)) problems.push(`README "In an untrusted workspace" has a row for ${id}, which is not contributed`);
  for (const id of new Set(rows.filter((id, i) => rows.indexOf(id) !== i))) problems.push(`README "In an untrusted workspace" has two rows for ${id}`);
}

// ---------------------------------------------------------------- settings
// Walkthrough steps: every command link names a contributed command with JSON arguments, sample names exist,
// images exist, completion events name a contributed command or a link of the step.
for (const walkthrough of contributes.walkthroughs ?? []) {
  for (const step of walkthrough.steps ?? []) {
    const where = `walkthrough ${walkthrough.id} step ${step.id}`;
    const links = [...(step.description ?? '').matchAll(/\]\((command:[^)\s]+)\)/g)].map((m) => m[1]);
    if (links.length === 0) problems.push(`${where} links no command`);
    for (const link of links) {
      const [id, query] = link.slice('command:'.length).split('?');
      if (!contributed.has(id)) problems.push(`${where} links ${id}, which is not contributed`);
      if (query === undefined) continue;
      let args;
      try {
        args = JSON.parse(decodeURIComponent(query));
      } catch {
        problems.push(`${where}: the arguments of ${id} are not URL-encoded JSON`);
        continue;
      }
      if (id === 'perturber.openSample' && !existsSync(join(REPO, 'samples', `${[args].flat()[0]}.perturber.json`))) {
        problems.push(`${where} opens sample ${JSON.stringify(args)}, which is not in samples/`);
      }
    }
    const image = step.media?.image;
    if (!image || !existsSync(join(REPO, image))) problems.push(`${where}: media image ${image} does not exist`);
    if (!step.media?.altText) problems.push(`${where}: media has no altText`);
    for (const event of step.completionEvents ?? []) {
      if (event.startsWith('onCommand:') && !contributed.has(event.slice('onCommand:'.length))) problems.push(`${where}: ${event} names no contributed command`);
      if (event.startsWith('onLink:') && !links.includes(event.slice('onLink:'.length))) problems.push(`${where}: ${event} is not a link of the step`);
    }
  }
}

const configText = stripComments(readFileSync(join(REPO, 'src', 'config.ts'), 'utf8'));
const read = new Set([...configText.matchAll(/(['"`])(perturber\.[\w.]+)\1/g)].map((m) => m[2]));
const declaredSections = [contributes.configuration ?? []].flat();
const declared = new Set(declaredSections.flatMap((section) => Object.keys(section.properties ?? {})));
// A key that only prefixes declared ones (`affectsConfiguration('perturber.inference')`) names a section.
const isSection = (key) => !declared.has(key) && [...declared].some((d) => d.startsWith(`${key}.`));
const readSettings = [...read].filter((key) => !isSection(key));
for (const key of readSettings) {
  if (!declared.has(key)) problems.push(`setting ${key} is read in src/config.ts but not declared in contributes.configuration`);
}
for (const key of declared) {
  if (!read.has(key)) problems.push(`setting ${key} is declared in contributes.configuration but never read in src/config.ts`);
  const schema = declaredSections.find((s) => s.properties?.[key])?.properties[key];
  if (!schema.description && !schema.markdownDescription) problems.push(`setting ${key} has no description`);
}
// Settings must be read through config.ts only.
for (const file of sourceFiles(join(REPO, 'src'))) {
  if (file.endsWith(join('src', 'config.ts'))) continue;
  if (/getConfiguration\(/.test(stripComments(readFileSync(file, 'utf8')))) {
    problems.push(`${relative(REPO, file)} reads settings directly; use src/config.ts`);
  }
}

// The README's reference tables are generated from package.json and the schemas: they must be current.
const docs = spawnSync(process.execPath, [join(REPO, 'scripts', 'gen-docs.mjs'), '--check'], { encoding: 'utf8' });
if (docs.status !== 0) problems.push((docs.stderr || docs.stdout).trim());

if (problems.length > 0) {
  console.error(`check-contributions: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(`check-contributions: ${registered.size} commands, ${declared.size} settings OK`);
