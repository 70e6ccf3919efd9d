/*
 * The training's heaviest kernels for x86-64 with AVX2 and FMA, as a Node-API addon that works
 * in place on WebAssembly memory: each function takes the memory's ArrayBuffer (tfjs-backend-
 * wasm's heap, or the fused LSTM's own memory) and byte offsets into it, so tensors are neither
 * copied in nor out. The wasm backend's XNNPACK is limited to 128-bit SIMD without fused
 * multiply-add; these run the same convolutions 3-4x faster on one core, and the LSTM layer
 * 1.6-1.8x faster than its wasm build.
 *
 * All tensors float32, NHWC, filters [kh, kw, Ci, Co], dilation 1. Every kernel keeps a block of
 * up to 6 output rows (pixels, or matrix rows) x 16 output channels in 12 AVX registers and
 * streams the reduction through them: 2 vector loads and 6 broadcasts per 12 FMAs. The channel
 * count the vectors run over must be a multiple of 8; the callers (../wasm-kernels) check that
 * and use the wasm kernels otherwise.
 *
 * Only the kernels carry the avx2/fma target attribute: the module loads on any x86-64, and
 * `supported` says whether the CPU can run them. Single-threaded (each training process has a
 * core of its own); scratch buffers are the module's, reused from call to call.
 *
 * The files: convolution.c (the register block, convolutions, matrix products, scratch),
 * pooling.c, lstm-avx2.c (the fused LSTM layer) and node-api.c (the functions JavaScript calls,
 * with their argument checks). Built by build.sh (dev-only, clang), which passes EMO_SOURCE_SHA256:
 * the sha256 of these sources, exported as `source` so that a test can tell a stale binary from
 * a fresh one.
 */
#ifndef EMO_NATIVE_KERNELS_H
#define EMO_NATIVE_KERNELS_H
#include <immintrin.h>
#include <stddef.h>

#define KERNEL __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

/* Each returns 0 when its scratch memory could not be had, 1 otherwise. */
KERNEL int conv2d_fused(const float *x, const float *w, float *y, int N, int H, int W, int Ci,
                        int Ho, int Wo, int Co, int kh, int kw, int sh, int sw, int top, int left,
                        const float *bias, int relu);
KERNEL int depthwise_conv2d(const float *x, const float *w, float *y, int N, int H, int W, int C,
                            int Ho, int Wo, int kh, int kw, int sh, int sw, int top, int left);
KERNEL int conv2d_filter_grad(const float *x, const float *dy, float *dw, int N, int H, int W,
                              int Ci, int Ho, int Wo, int Co, int kh, int kw, int sh, int sw,
                              int top, int left);
KERNEL int matmul(const float *a, const float *b, float *c, int batch, int M, int K, int N,
                  int transA, int transB, size_t strideA, size_t strideB);
KERNEL void gemm_acc(int M, int N, int K, const float *A, size_t am, size_t ak, const float *B,
                     int ldb, float *C, int ldc);

KERNEL void max_pool(const float *x, float *y, int N, int H, int W, int C, int Ho, int Wo, int fh,
                     int fw, int sh, int sw, int top, int left);
KERNEL void max_pool_grad(const float *x, const float *dy, float *dx, int N, int H, int W, int C,
                          int Ho, int Wo, int fh, int fw, int sh, int sw, int top, int left);

KERNEL void lstm_forward(int T, int B, int I, int U, const float *x, const float *W,
                         const float *bias, const float *R, float *gates, float *c, float *h);
KERNEL void lstm_backward(int T, int B, int I, int U, const float *x, const float *W,
                          const float *R, const float *gates, const float *c, const float *h,
                          const float *dh, float *dz, float *dx, float *dW, float *db, float *dR,
                          float *scratch);

#endif
