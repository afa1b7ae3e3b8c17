/**
 * The explanation methods the figures show. Figures 01, 04, 05 and 06 loop over
 * `explanationMethods()` (in registration order), so a new method appears in their metrics,
 * rows, tables and charts without a figure edit: one file defining an `ExplanationMethod`
 * (`streamingMethod` or `gradientMethod`) and one `registerExplanation` line below.
 *
 * The list is module state, read when a figure runs; figures also take an explicit
 * `explanations` option, which is how a caller shows a different set without touching it.
 * `registerExplanation` returns the function that removes the method again (tests do).
 */
import { snnGradCamMethod } from './gradcam';
import type { ExplanationMethod } from './method';
import { rateMethod } from './rate';
import { samMethod } from './sam';

const registered: ExplanationMethod[] = [];

/** Ids: lower-case words of letters and digits joined by single `-` (`sam`, `snn-gradcam`). */
const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Adds `method` after those registered; throws on a malformed or taken id. Returns what removes it. */
export function registerExplanation(method: ExplanationMethod): () => void {
  if (!ID.test(method.id)) throw new Error(`registerExplanation: id '${method.id}' must be lower-case words of letters and digits joined by '-' (e.g. 'my-method')`);
  if (!method.label.trim()) throw new Error(`registerExplanation: method '${method.id}' needs a label (shown in tables and charts)`);
  const taken = registered.find((m) => m.id === method.id || m.label === method.label);
  if (taken) throw new Error(`registerExplanation: '${method.id}' (${method.label}) clashes with the registered '${taken.id}' (${taken.label}); ids and labels must be unique`);
  if (typeof method.explain !== 'function') throw new Error(`registerExplanation: method '${method.id}' has no explain()`);
  registered.push(method);
  return () => {
    unregisterExplanation(method.id);
  };
}

/** Removes the method with this id; false if none was registered. */
export function unregisterExplanation(id: string): boolean {
  const i = registered.findIndex((m) => m.id === id);
  if (i < 0) return false;
  registered.splice(i, 1);
  return true;
}

/** The registered methods in registration order (a copy). */
export function explanationMethods(): readonly ExplanationMethod[] {
  return [...registered];
}

/** The registered method with this id; an unknown id throws, naming the registered ones. */
export function explanationMethod(id: string): ExplanationMethod {
  const m = registered.find((x) => x.id === id);
  if (!m) throw new Error(`no explanation method '${id}'; registered: ${registered.map((x) => x.id).join(', ') || 'none'}`);
  return m;
}

/** The id of the paper's method, SAM: the paper's claims are about it, and figures show it in their per-step panels. */
export const PAPER_EXPLANATION = 'sam';

/** The method a figure shows in its per-step panels (Fig. 4, 6c): SAM if among `methods`, else the first; throws on none. */
export function paperExplanation(methods: readonly ExplanationMethod[]): ExplanationMethod {
  const m = methods.find((x) => x.id === PAPER_EXPLANATION) ?? methods[0];
  if (!m) throw new Error('no explanation methods to show (register one with registerExplanation)');
  return m;
}

// The built-ins, in the order figures list them.
registerExplanation(samMethod);
registerExplanation(snnGradCamMethod);
registerExplanation(rateMethod);
