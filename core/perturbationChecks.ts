/**
 * Checks of a scene's `perturbations` against the registry: unknown op ids (naming the ops that exist) and
 * unknown, ill-typed or out-of-range parameters (the problems `resolveParams` finds, the same the host would
 * repair at run time), each located in the text. The schema's generated if/then per op says the same to VS Code's
 * JSON editor, so these carry `source: 'json'` (the Problems view already has them from the JSON language
 * service) and parseScene drops ajv's versions of them in favour of these clearer messages. An enabled step whose
 * `file` parameter is empty (an op that would be skipped at run time) gets a warning of its own.
 */
import type { Node } from 'jsonc-parser';
import { findOp, PERTURBATION_OPS } from './perturbations/registry';
import { resolveParams } from './perturbations/pipeline';
import { diagnostic, displayPath, keyNodeOf, locate } from './sceneText';
import type { SceneDiagnostic } from './sceneTypes';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for ajv errors the checks below report better (schema paths of the generated per-op parts). */
export function coveredByPerturbationChecks(schemaPath: string): boolean {
  return (
    schemaPath.startsWith('#/properties/perturbations/items/allOf/') ||
    schemaPath === '#/properties/perturbations/items/properties/op/enum'
  );
}

export function perturbationDiagnostics(value: Record<string, unknown>, root: Node): SceneDiagnostic[] {
  const steps = value.perturbations;
  if (!Array.isArray(steps)) return [];
  const out: SceneDiagnostic[] = [];
  steps.forEach((step: unknown, i: number) => {
    if (!isObject(step) || typeof step.op !== 'string') return; // the schema reports the type
    const where = displayPath(['perturbations', i]);
    const op = findOp(step.op);
    if (!op) {
      const { node } = locate(root, ['perturbations', String(i), 'op']);
      const known = PERTURBATION_OPS.map((o) => o.id).join(', ');
      out.push({ ...diagnostic(`${where}.op: unknown perturbation "${step.op}" (the perturbations are: ${known})`, `${where}.op`, node), source: 'json' });
      return;
    }
    const params = isObject(step.params) ? step.params : {};
    // A file parameter left empty: the step would be skipped at run time ("adversarial: no file chosen").
    if (step.enabled !== false) {
      for (const spec of op.params) {
        if (spec.kind !== 'file' || (params[spec.name] !== undefined && params[spec.name] !== '')) continue;
        const path = params[spec.name] === undefined ? ['perturbations', String(i), 'op'] : ['perturbations', String(i), 'params', spec.name];
        const { node } = locate(root, path);
        out.push({ ...diagnostic(`${where}.params.${spec.name}: no file chosen, so the ${op.id} step is skipped`, `${where}.params.${spec.name}`, node), severity: 'warning' });
      }
    }
    if (!isObject(step.params)) return;
    for (const [name, given] of Object.entries(step.params)) {
      // One parameter at a time, so each problem is located at its own parameter.
      const { problems } = resolveParams(op, { [name]: given });
      if (problems.length === 0) continue;
      const at = locate(root, ['perturbations', String(i), 'params', name]);
      const known = op.params.some((p) => p.name === name);
      const node = known ? at.node : keyNodeOf(at.node) ?? at.node;
      const path = `${where}.params.${name}`;
      const hint = known ? '' : ` (its parameters: ${op.params.map((p) => p.name).join(', ') || 'none'})`;
      for (const problem of problems) out.push({ ...diagnostic(`${where}: ${problem}${hint}`, path, node), source: 'json' });
    }
  });
  return out;
}
