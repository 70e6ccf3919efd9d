/**
 * Kernels for tfjs's wasm backend (tfjs 4.22.0): the gradient kernel it lacks, so conv nets
 * train on wasm at all, and faster versions of the shipped kernels a training step spends its
 * time in. One file per kernel, each exporting its description (name and implementation, with
 * its maths at the top); ./shared.ts holds what several kernels use, ./register.ts the one list
 * of all kernels and their registration.
 *
 * Found by training small conv+pool+dense and conv1d+LSTM models with `model.fit` on wasm, then
 * profiling a training step of a 2-conv CNN on 48×48×1 faces (batch 64) and of the conv1d+LSTM
 * physiology branch:
 *
 * - `Conv2DBackpropFilter` is missing: no conv layer trains (conv1d layers are conv2d
 *   underneath, so the physiology branch does not either). Nothing else that these models need
 *   is missing (tfjs's LSTM, dense, dropout, pooling, batch norm gradients all exist on wasm);
 *   depthwise/separable convs (DepthwiseConv2dNativeBackprop*) and embeddings
 *   (UnsortedSegmentSum) would be, but the models do not use them.
 * - `Conv2DBackpropInput` is a plain C++ loop: 500 ms for a 64×24×24×32 → 64 layer, whose forward
 *   pass takes 50 ms.
 * - `MaxPoolGrad` (110 ms on 64×48×48×32) and `AvgPoolGrad` (47 ms) are slow loops too.
 * - `BatchMatMul` runs on XNNPACK only for one matrix pair without transposes; the gradients of
 *   every dense and LSTM layer ask for `transposeA`/`transposeB` and fall to a loop 7–14× slower.
 * - `Sum` and `Mean` over the leading axes (every conv bias gradient; batch normalisation's
 *   moments) transpose them inward first (20 ms for a sum over 64×48×48×32).
 * - `Tile` computes each output element's source on its own: 3.1 s of a 6-s training step of
 *   the face CNN with batch normalisation, which tiles the gradient of its batch mean.
 * - `Slice` copies its whole input out of the heap for every slice, so `Unpack` of a sequence
 *   into time steps (every LSTM layer) is quadratic.
 *
 * How, in short (the maths is at the top of each kernel's file; convolutions NHWC, dilations 1,
 * all that tfjs's conv2d gradient supports, NCHW through transposes):
 *
 * - dW (./conv2d-backprop-filter.ts): a convolution summing over n, i, j, with dy or x as the
 *   filter, whichever is smaller.
 * - dX (./conv2d-backprop-input.ts): the "full" correlation of the dilated dy with the filter
 *   rotated by 180°.
 * - MaxPoolGrad / AvgPoolGrad (./max-pool-grad.ts, ./avg-pool-grad.ts): one pass over the
 *   pooling windows in JavaScript on the wasm heap, channels innermost, with the cpu backend's
 *   rules.
 * - BatchMatMul (./batch-mat-mul.ts): transposes done by the Transpose kernel, then XNNPACK.
 * - Sum and Mean over the leading axes (./sum.ts): an average pool over them (times the row
 *   count for a sum).
 * - Tile (./tile.ts): the input's rows written once, then each axis repeated by block copies.
 * - Slice / Unpack (./slice.ts, ./unpack.ts): copies straight from the heap, contiguous runs at
 *   a time.
 *
 * - Conv2D (./conv2d.ts), and dW and BatchMatMul where they can: the native AVX2 kernels of
 *   ../native-kernels, which work in place on the wasm heap (x86-64 Linux; the rest stays as
 *   above where they cannot load or are turned off).
 *
 * Everything is composed from the wasm backend's own kernels (looked up in tfjs's kernel
 * registry) or runs on its heap; intermediates are released before returning. Kernels that
 * replace shipped ones keep the shipped kernel's setup and fall back to it for what they do not
 * handle (other dtypes, small sizes). Each is checked against the cpu backend in
 * ../wasm-kernels.test.ts, whole models in ../wasm-train.test.ts.
 */
export { registerWasmGradKernels, WASM_KERNELS, wasmGradKernelsRegistered } from './register.js';
export type { WasmKernelName } from './register.js';
