/**
 * Picks and starts the fastest tfjs backend that loads here, and says which one runs.
 *
 * Order: `@tensorflow/tfjs-node-gpu` → `@tensorflow/tfjs-node` (both optional dependencies; both
 * register the native backend named 'tensorflow') → wasm → cpu. Force one with
 * `initBackend({ prefer: 'wasm' })` or the environment variable `SPIKELENS_BACKEND`
 * (`node-gpu | node | wasm | cpu | auto`). On wasm the gradient kernels it lacks are registered.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
// The union package registers the cpu backend, every gradient and the chained ops
// (`x.square()`) on the one shared tfjs-core; its CommonJS build also loads under tslab.
import '@tensorflow/tfjs';
import { registerWasmKernels } from './kernels/wasm';

/** A backend spikelens can run on, fastest first. */
export type BackendChoice = 'node-gpu' | 'node' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['node-gpu', 'node', 'wasm', 'cpu'];

/** What `initBackend` started, and why the faster ones were passed over. */
export interface BackendInfo {
  /** The choice that runs. */
  choice: BackendChoice;
  /** tfjs's own name for it (`tensorflow`, `wasm`, `cpu`). */
  tfName: string;
  /** Kernels spikelens registered because the backend lacked them. */
  addedKernels: string[];
  /** One line per faster backend that did not load. */
  skipped: string[];
}

export interface InitBackendOptions {
  /** Force a backend; `auto` (default) tries them in order. Overridden by nothing; defaults to env SPIKELENS_BACKEND. */
  prefer?: BackendChoice | 'auto';
  /** Print the one-line report (default true). */
  log?: boolean;
}

let current: BackendInfo | undefined;

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/Cannot find module/.test(msg)) return 'not installed';
  return msg.split('\n')[0].slice(0, 160);
}

async function tryStart(choice: BackendChoice): Promise<{ tfName: string; added: string[] }> {
  switch (choice) {
    case 'node-gpu':
    case 'node': {
      const pkg = choice === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      // Probe for the built addon before requiring the package: a package without its addon
      // (npm keeps it when installed without scripts) registers half its kernels, then throws.
      let dir: string;
      try {
        dir = path.dirname(require.resolve(`${pkg}/package.json`));
      } catch {
        throw new Error('not installed');
      }
      if (!fs.existsSync(path.join(dir, 'lib', 'napi-v8', 'tfjs_binding.node'))) throw new Error('installed without its native addon (see scripts/setup-native.sh)');
      // Both packages register 'tensorflow' on the tfjs-core they depend on (the same copy, deduped).
      // TensorFlow's C++ start-up chatter (CPU feature notes) is not for our users.
      process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
      require(pkg);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tensorflow backend failed to initialise');
      return { tfName: 'tensorflow', added: [] };
    }
    case 'wasm': {
      // The emscripten module installs process-wide handlers that rethrow every uncaught error
      // with its whole minified source attached; keep the process's own error reporting instead.
      const before = { u: process.listeners('uncaughtException'), r: process.listeners('unhandledRejection') };
      require('@tensorflow/tfjs-backend-wasm');
      const ok = await tf.setBackend('wasm');
      for (const l of process.listeners('uncaughtException')) if (!before.u.includes(l)) process.removeListener('uncaughtException', l);
      for (const l of process.listeners('unhandledRejection')) if (!before.r.includes(l)) process.removeListener('unhandledRejection', l);
      if (!ok) throw new Error('wasm backend failed to initialise');
      return { tfName: 'wasm', added: registerWasmKernels() };
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise');
      return { tfName: 'cpu', added: [] };
    }
  }
}

/** Parses a backend name from params or the environment; throws one clear line if unknown. */
export function parseBackendChoice(value: string, source: string): BackendChoice | 'auto' {
  if (value === 'auto' || (BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice | 'auto';
  throw new Error(`${source}: unknown backend '${value}'; expected one of auto, ${BACKEND_CHOICES.join(', ')}`);
}

/**
 * Starts a backend (once per process; later calls return the same info unless `prefer` differs).
 * A forced backend that fails to load is an error, never a silent fallback.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const env = process.env.SPIKELENS_BACKEND;
  const prefer = opts.prefer ?? (env ? parseBackendChoice(env, 'SPIKELENS_BACKEND') : 'auto');
  if (current && (prefer === 'auto' || prefer === current.choice) && tf.getBackend() === current.tfName) return current;
  const order = prefer === 'auto' ? BACKEND_CHOICES : [prefer];
  // The cpu backend's first write prints a banner recommending tfjs-node; we report which
  // backend runs and why ourselves, so mark that banner as already shown.
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
  const skipped: string[] = [];
  for (const choice of order) {
    try {
      const { tfName, added } = await tryStart(choice);
      current = { choice, tfName, addedKernels: added, skipped };
      if (opts.log ?? true) console.error(describeBackend(current));
      return current;
    } catch (e) {
      if (prefer !== 'auto') throw new Error(`spikelens: backend '${choice}' was requested but did not start: ${firstLine(e)}`);
      skipped.push(`${choice}: ${firstLine(e)}`);
    }
  }
  throw new Error(`spikelens: no tfjs backend started (${skipped.join('; ')})`);
}

/** The backend started by `initBackend`, or undefined before it ran. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

/** One line for logs and reports, e.g. `spikelens backend: wasm (node-gpu: not installed; node: not installed)`. */
export function describeBackend(info: BackendInfo): string {
  const extra = info.addedKernels.length ? `, added kernels: ${info.addedKernels.join(', ')}` : '';
  const why = info.skipped.length ? ` (skipped ${info.skipped.join('; ')})` : '';
  return `spikelens backend: ${info.choice}${extra}${why}`;
}
