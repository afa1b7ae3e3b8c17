/** Test helpers: start a pinned backend, copy tensors across backends, compare arrays. */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendChoice } from '../../lib/backend';

/** Starts `choice` quietly (tests pin the backend they rely on). */
export async function useBackend(choice: BackendChoice): Promise<void> {
  await initBackend({ prefer: choice, log: false });
}

/** Runs `fn` on `choice`, returning plain arrays (tensors never cross backends). */
export async function onBackend<T>(choice: BackendChoice, fn: () => Promise<T> | T): Promise<T> {
  const before = tf.getBackend();
  await useBackend(choice);
  try {
    return await fn();
  } finally {
    if (before && before !== tf.getBackend()) await tf.setBackend(before);
  }
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Deterministic pseudo-random values in [-1, 1) for building test tensors on any backend. */
export function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}
