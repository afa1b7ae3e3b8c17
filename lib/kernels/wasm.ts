/**
 * Kernels the tfjs wasm backend lacks (or gets wrong) but training and attacks need.
 *
 * tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter`, so `tf.grad` of any conv net fails on
 * wasm with "Kernel 'Conv2DBackpropFilter' not registered". We compute the filter gradient with
 * the backend's own (XNNPACK) Conv2D:
 *
 *   dW[i,j,c,o] = Σ_{b,y,x} xpad[b, y·s + i, x·s + j, c] · dy[b, y, x, o]
 *
 * which is a stride-1 convolution of xᵀ = [c, H, W, b] with dyᵀ = [oh, ow, b, o] used as a
 * filter dilated by the forward stride s, giving [c, kh, kw, o], transposed to [kh, kw, c, o].
 * Intermediates are disposed through the backend, so nothing leaks into the tfjs engine.
 */
import * as tf from '@tensorflow/tfjs-core';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Backend = KernelArgs['backend'] & { disposeData(id: tf.DataId): boolean };

function wasmKernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`spikelens: the wasm backend has no '${name}' kernel to build on`);
  return k.kernelFunc;
}

function call(name: string, backend: Backend, inputs: tf.NamedTensorInfoMap, attrs: object): tf.TensorInfo {
  return wasmKernel(name)({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
}

/** Conv2DBackpropFilter for wasm (channelsLast, dilation 1, any stride and padding). */
export function conv2DBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as Backend;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const fmt = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (fmt !== 'channelsLast') throw new Error(`spikelens: wasm Conv2DBackpropFilter supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, fmt);
  const [, H, W] = x.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  // Rows/cols of the padded input the forward conv actually touched: top + H + bottom' must
  // equal kh + (oh-1)·sh. A negative bottom' means the forward conv ignored trailing rows: crop them.
  const bottom = kh + (oh - 1) * sh - H - top;
  const right = kw + (ow - 1) * sw - W - left;
  const temps: tf.TensorInfo[] = [];
  let src = x;
  if (bottom < 0 || right < 0) {
    src = call('Slice', backend, { x }, { begin: [0, 0, 0, 0], size: [-1, H + Math.min(bottom, 0), W + Math.min(right, 0), -1] });
    temps.push(src);
  }
  const xT = call('Transpose', backend, { x: src }, { perm: [3, 1, 2, 0] });
  const dyT = call('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  temps.push(xT, dyT);
  const explicit = [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]];
  const g = call('Conv2D', backend, { x: xT, filter: dyT }, {
    strides: [1, 1], pad: explicit, dataFormat: 'NHWC', dilations: [sh, sw], dimRoundingMode: undefined,
  });
  temps.push(g);
  const out = call('Transpose', backend, { x: g }, { perm: [1, 2, 0, 3] });
  for (const t of temps) backend.disposeData(t.dataId);
  return out;
}

/**
 * Sign for wasm, exact for every magnitude. tfjs-backend-wasm 4.22's own Sign returns 0 for
 * |x| below ~1e-7, and SNN input gradients (shrunk by the surrogate at every layer) are often
 * that small: FGSM would silently not move on wasm while it does on node and cpu.
 */
export function signWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as Backend & {
    readSync(id: tf.DataId): ArrayLike<number>;
    makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
    typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array;
  };
  const { x } = args.inputs as { x: tf.TensorInfo };
  const src = backend.readSync(x.dataId);
  const out = backend.makeOutput(x.shape, x.dtype);
  const dst = backend.typedArrayFromHeap(out);
  for (let i = 0; i < dst.length; i++) dst[i] = src[i] > 0 ? 1 : src[i] < 0 ? -1 : 0;
  return out;
}

let registered = false;

/** Registers the missing wasm kernels once per process (idempotent). */
export function registerWasmKernels(): string[] {
  if (registered) return [];
  registered = true;
  const added: string[] = [];
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterWasm as tf.KernelFunc });
    added.push('Conv2DBackpropFilter');
  }
  // Replace the inexact Sign (see signWasm).
  tf.unregisterKernel('Sign', 'wasm');
  tf.registerKernel({ kernelName: 'Sign', backendName: 'wasm', kernelFunc: signWasm as tf.KernelFunc });
  added.push('Sign');
  return added;
}
