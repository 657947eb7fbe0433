/**
 * The part of schemas/scene.schema.json that comes from the perturbation registry: the `op` enum (with VS Code's
 * `enumDescriptions` for completion) and one `if`/`then` per op that types, ranges and describes its `params`.
 * scripts/gen-perturbation-schema.mjs writes it into the schema file (and `--check`s it); a unit test compares
 * the committed schema with `withPerturbationSchema(schema, opCatalog())`. Pure data in, data out: no registry
 * import here, so callers pass the catalogue (the ops' metadata without `apply`).
 */
import type { OpInfo } from './perturbations/registry';
import type { ParamSpec } from './perturbations/types';

export type { OpInfo };

/** The same colour pattern as every other colour in the scene schema. */
export const COLOR_PATTERN = '^#[0-9a-fA-F]{6}$';

/** Annotation keyword on each op's `then`: what the README's op table and the UI group by. */
export const OP_ANNOTATION = 'x-perturbation';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function paramDescription(spec: ParamSpec): string {
  const parts = [spec.help];
  if (spec.kind === 'number' || spec.kind === 'integer') {
    if (spec.unit) parts.push(`Unit: ${spec.unit}.`);
    if (spec.scalesWithSize && !spec.help.includes('224')) parts.push('Given for a 224 px frame; scaled with the model input size.');
  }
  return parts.join(' ');
}

export function paramSchema(spec: ParamSpec): Json {
  const common = { title: spec.label, description: paramDescription(spec) };
  switch (spec.kind) {
    case 'number':
    case 'integer':
      return { type: spec.kind, minimum: spec.min, maximum: spec.max, default: spec.default, ...common };
    case 'color':
      return { type: 'string', pattern: COLOR_PATTERN, default: spec.default, ...common };
    case 'choice':
      return { type: 'string', enum: [...spec.options], default: spec.default, ...common };
    case 'file':
      return { type: 'string', pattern: filePattern(spec.extensions), default: spec.default, ...common };
  }
}

/** '' (none chosen) or a path ending in one of `extensions`, any letter case (resolveParams' rule). */
export function filePattern(extensions: readonly string[]): string {
  const caseless = (e: string) => [...e].map((ch) => (/[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return `^$|^.+\\.(${extensions.map(caseless).join('|')})$`;
}

/** One `if op == id then params: {...}` entry. */
function opBranch(op: OpInfo): Json {
  const properties: { [key: string]: Json } = {};
  for (const spec of op.params) properties[spec.name] = paramSchema(spec);
  return {
    if: { properties: { op: { const: op.id } }, required: ['op'] },
    then: {
      title: op.label,
      description: op.description,
      [OP_ANNOTATION]: { group: op.group, random: op.random },
      properties: {
        params: { type: 'object', additionalProperties: false, properties },
      },
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A copy of `schema` whose `properties.perturbations.items` has the generated `op` enum, `enumDescriptions` and
 * `allOf` for `ops`; everything else (hand-written: enabled, seed, params' base type, descriptions) is kept.
 * Throws when the schema has no `perturbations.items.properties.op` to fill in.
 */
export function withPerturbationSchema<T>(schema: T, ops: readonly OpInfo[]): T {
  const copy = JSON.parse(JSON.stringify(schema)) as unknown;
  const items = isRecord(copy) && isRecord(copy.properties) && isRecord(copy.properties.perturbations)
    ? copy.properties.perturbations.items
    : undefined;
  if (!isRecord(items) || !isRecord(items.properties) || !isRecord(items.properties.op)) {
    throw new Error('the scene schema has no properties.perturbations.items.properties.op');
  }
  const op = items.properties.op;
  op.enum = ops.map((o) => o.id);
  op.enumDescriptions = ops.map((o) => `${o.label}: ${o.description}`);
  items.allOf = ops.map(opBranch);
  return copy as T;
}
