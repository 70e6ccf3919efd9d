/*
 * The training's heaviest kernels for x86-64 with AVX2 and FMA, as a Node-API addon that works
 * in place on tfjs-backend-wasm's heap: each function takes the heap (the wasm memory's
 * ArrayBuffer) and byte offsets into it, so tensors are neither copied in nor out. The wasm
 * backend's XNNPACK is limited to 128-bit SIMD without fused multiply-add; these run the same
 * convolutions 3-4x faster on one core.
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
 * Built by build.sh (dev-only, clang), which passes EMO_SOURCE_SHA256: the sha256 of this file,
 * exported as `source` so that a test can tell a stale binary from a fresh one.
 */
#define NAPI_VERSION 8
#include <immintrin.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

#ifndef EMO_SOURCE_SHA256
#error "build with -DEMO_SOURCE_SHA256=\"<sha256 of this file>\" (see build.sh)"
#endif

#define KERNEL __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

/* ---- scratch ---------------------------------------------------------------------------- */

enum { SCRATCH_INPUT, SCRATCH_MATRIX, SCRATCH_SLOTS };
static float *scratch[SCRATCH_SLOTS];
static size_t scratch_floats[SCRATCH_SLOTS];

/* A buffer of at least n floats, or NULL when memory runs out. */
static float *scratch_get(int slot, size_t n) {
  if (n > scratch_floats[slot]) {
    free(scratch[slot]);
    size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
    scratch[slot] = (float *)aligned_alloc(64, bytes);
    scratch_floats[slot] = scratch[slot] ? n : 0;
  }
  return scratch[slot];
}

/* x [N, H, W, C] -> xp [N, Hp, Wp, C] with xp[r][c] = x[r - top][c - left], 0 outside x. */
static void pad_nhwc(const float *x, float *xp, int N, int H, int W, int C, int Hp, int Wp,
                     int top, int left) {
  size_t row = (size_t)Wp * C;
  for (int n = 0; n < N; n++)
    for (int r = 0; r < Hp; r++) {
      float *dst = xp + ((size_t)n * Hp + r) * row;
      int sr = r - top;
      if (sr < 0 || sr >= H) {
        memset(dst, 0, sizeof(float) * row);
        continue;
      }
      const float *src = x + ((size_t)n * H + sr) * W * C;
      for (int c = 0; c < Wp; c++) {
        int sc = c - left;
        if (sc < 0 || sc >= W)
          memset(dst + (size_t)c * C, 0, sizeof(float) * C);
        else
          memcpy(dst + (size_t)c * C, src + (size_t)sc * C, sizeof(float) * C);
      }
    }
}

/* ---- the register block ------------------------------------------------------------------- */

/*
 * y[p][v*8 .. v*8+7] = sum over (a, b, k) of x[p*ps + a*rs + b*cs + k*ks] * w[((a*kw + b)*K + k)*Co + v*8 ..]
 * for P <= 6 rows and V <= 2 vectors. A convolution: p the output pixel, k the input channel;
 * a matrix product: kh = kw = 1, p the row of A, k the column.
 */
INLINE KERNEL void mac_block(int P, int V, const float *x, size_t ps, size_t rs, size_t cs,
                             size_t ks, const float *w, int K, int Co, int kh, int kw, float *y,
                             size_t ys) {
  __m256 acc[6][2];
  for (int p = 0; p < P; p++)
    for (int v = 0; v < V; v++) acc[p][v] = _mm256_setzero_ps();
  for (int a = 0; a < kh; a++)
    for (int b = 0; b < kw; b++) {
      const float *xr = x + a * rs + b * cs;
      const float *wr = w + ((size_t)(a * kw + b) * K) * Co;
      for (int k = 0; k < K; k++) {
        __m256 w0 = _mm256_loadu_ps(wr + (size_t)k * Co);
        __m256 w1 = V > 1 ? _mm256_loadu_ps(wr + (size_t)k * Co + 8) : w0;
        for (int p = 0; p < P; p++) {
          __m256 xv = _mm256_broadcast_ss(xr + p * ps + k * ks);
          acc[p][0] = _mm256_fmadd_ps(xv, w0, acc[p][0]);
          if (V > 1) acc[p][1] = _mm256_fmadd_ps(xv, w1, acc[p][1]);
        }
      }
    }
  for (int p = 0; p < P; p++)
    for (int v = 0; v < V; v++) _mm256_storeu_ps(y + p * ys + v * 8, acc[p][v]);
}

/* mac_block with P and V as compile-time constants, so that the accumulators stay in registers. */
#define MAC_CASE(P, V) \
  case P * 4 + V: mac_block(P, V, x, ps, rs, cs, ks, w, K, Co, kh, kw, y, ys); break;
static KERNEL void mac(int P, int V, const float *x, size_t ps, size_t rs, size_t cs, size_t ks,
                       const float *w, int K, int Co, int kh, int kw, float *y, size_t ys) {
  switch (P * 4 + V) {
    MAC_CASE(6, 2) MAC_CASE(5, 2) MAC_CASE(4, 2) MAC_CASE(3, 2) MAC_CASE(2, 2) MAC_CASE(1, 2)
    MAC_CASE(6, 1) MAC_CASE(5, 1) MAC_CASE(4, 1) MAC_CASE(3, 1) MAC_CASE(2, 1) MAC_CASE(1, 1)
  }
}

/* ---- convolution -------------------------------------------------------------------------- */

/*
 * y [N, Ho, Wo, Co] = x [N, H, W, Ci] correlated with w [kh, kw, Ci, Co], strides sh x sw, x
 * padded by top rows and left columns (and as many at the bottom and right as the output needs).
 * Co % 8 == 0. Returns 0 when scratch memory could not be had.
 */
static KERNEL int conv2d_nhwc(const float *x, const float *w, float *y, int N, int H, int W,
                              int Ci, int Ho, int Wo, int Co, int kh, int kw, int sh, int sw,
                              int top, int left) {
  int Hp = (Ho - 1) * sh + kh, Wp = (Wo - 1) * sw + kw;
  const float *xp = x;
  if (top != 0 || left != 0 || Hp != H || Wp != W) {
    float *padded = scratch_get(SCRATCH_INPUT, (size_t)N * Hp * Wp * Ci);
    if (!padded) return 0;
    pad_nhwc(x, padded, N, H, W, Ci, Hp, Wp, top, left);
    xp = padded;
  }
  size_t rs = (size_t)Wp * Ci, cs = Ci;
  for (int n = 0; n < N; n++)
    for (int i = 0; i < Ho; i++)
      for (int j0 = 0; j0 < Wo; j0 += 6) {
        int P = Wo - j0 < 6 ? Wo - j0 : 6;
        const float *xb = xp + ((size_t)n * Hp + (size_t)i * sh) * rs + (size_t)j0 * sw * Ci;
        float *yb = y + (((size_t)n * Ho + i) * Wo + j0) * Co;
        for (int co = 0; co < Co; co += 16) {
          int V = Co - co >= 16 ? 2 : 1;
          mac(P, V, xb, (size_t)sw * Ci, rs, cs, 1, w + co, Ci, Co, kh, kw, yb + co, Co);
        }
      }
  return 1;
}

/*
 * dw[a, b, q.., v*8..] += sum over the Ho x Wo pixels of one image of
 * x[i*rs + j*cs + q] * dy[(i*Wo + j)*Co + v*8 ..], for Q <= 6 input and V <= 2 x 8 output
 * channels: one image's sum in registers first, then added to dw (sums per image, then over the
 * batch, drift less than one float32 chain over all N x Ho x Wo terms).
 */
INLINE KERNEL void wgrad_block(int Q, int V, const float *x, size_t rs, size_t cs,
                               const float *dy, int Ho, int Wo, int Co, float *dw) {
  __m256 acc[6][2];
  for (int q = 0; q < Q; q++)
    for (int v = 0; v < V; v++) acc[q][v] = _mm256_setzero_ps();
  for (int i = 0; i < Ho; i++)
    for (int j = 0; j < Wo; j++) {
      const float *xs = x + i * rs + j * cs;
      const float *d = dy + ((size_t)i * Wo + j) * Co;
      __m256 d0 = _mm256_loadu_ps(d);
      __m256 d1 = V > 1 ? _mm256_loadu_ps(d + 8) : d0;
      for (int q = 0; q < Q; q++) {
        __m256 xv = _mm256_broadcast_ss(xs + q);
        acc[q][0] = _mm256_fmadd_ps(xv, d0, acc[q][0]);
        if (V > 1) acc[q][1] = _mm256_fmadd_ps(xv, d1, acc[q][1]);
      }
    }
  for (int q = 0; q < Q; q++)
    for (int v = 0; v < V; v++) {
      float *o = dw + (size_t)q * Co + v * 8;
      _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), acc[q][v]));
    }
}

#define WGRAD_CASE(Q, V) \
  case Q * 4 + V: wgrad_block(Q, V, x, rs, cs, dy, Ho, Wo, Co, dw); break;
static KERNEL void wgrad(int Q, int V, const float *x, size_t rs, size_t cs, const float *dy,
                         int Ho, int Wo, int Co, float *dw) {
  switch (Q * 4 + V) {
    WGRAD_CASE(6, 2) WGRAD_CASE(5, 2) WGRAD_CASE(4, 2) WGRAD_CASE(3, 2) WGRAD_CASE(2, 2)
    WGRAD_CASE(1, 2) WGRAD_CASE(6, 1) WGRAD_CASE(5, 1) WGRAD_CASE(4, 1) WGRAD_CASE(3, 1)
    WGRAD_CASE(2, 1) WGRAD_CASE(1, 1)
  }
}

/* dw [kh, kw, Ci, Co] of the convolution conv2d_nhwc computes. Co % 8 == 0. */
static KERNEL int conv2d_filter_grad(const float *x, const float *dy, float *dw, int N, int H,
                                     int W, int Ci, int Ho, int Wo, int Co, int kh, int kw, int sh,
                                     int sw, int top, int left) {
  int Hp = (Ho - 1) * sh + kh, Wp = (Wo - 1) * sw + kw;
  const float *xp = x;
  if (top != 0 || left != 0 || Hp != H || Wp != W) {
    float *padded = scratch_get(SCRATCH_INPUT, (size_t)N * Hp * Wp * Ci);
    if (!padded) return 0;
    pad_nhwc(x, padded, N, H, W, Ci, Hp, Wp, top, left);
    xp = padded;
  }
  memset(dw, 0, sizeof(float) * kh * kw * Ci * Co);
  size_t rs = (size_t)sh * Wp * Ci, cs = (size_t)sw * Ci;
  for (int n = 0; n < N; n++) {
    const float *xn = xp + (size_t)n * Hp * Wp * Ci;
    const float *dyn = dy + (size_t)n * Ho * Wo * Co;
    for (int a = 0; a < kh; a++)
      for (int b = 0; b < kw; b++)
        for (int ci = 0; ci < Ci; ci += 6) {
          int Q = Ci - ci < 6 ? Ci - ci : 6;
          const float *xs = xn + ((size_t)a * Wp + b) * Ci + ci;
          float *o = dw + (((size_t)a * kw + b) * Ci + ci) * Co;
          for (int co = 0; co < Co; co += 16)
            wgrad(Q, Co - co >= 16 ? 2 : 1, xs, rs, cs, dyn + co, Ho, Wo, Co, o + co);
        }
  }
  return 1;
}

/* ---- matrix product ----------------------------------------------------------------------- */

/*
 * c [batch, M, N] = op(a) op(b), op a transpose where asked; a and b step by strideA and strideB
 * floats from one batch entry to the next (0: one matrix for the whole batch). N % 8 == 0.
 */
static KERNEL int matmul(const float *a, const float *b, float *c, int batch, int M, int K, int N,
                         int transA, int transB, size_t strideA, size_t strideB) {
  const float *packed = NULL;
  for (int e = 0; e < batch; e++) {
    const float *ae = a + e * strideA, *be = b + e * strideB;
    if (transB) {
      /* b [N, K] -> [K, N], once when every entry shares it */
      if (!packed || strideB != 0) {
        float *p = scratch_get(SCRATCH_MATRIX, (size_t)K * N);
        if (!p) return 0;
        for (int n = 0; n < N; n++)
          for (int k = 0; k < K; k++) p[(size_t)k * N + n] = be[(size_t)n * K + k];
        packed = p;
      }
      be = packed;
    }
    size_t ps = transA ? 1 : K, ks = transA ? M : 1;
    float *ce = c + (size_t)e * M * N;
    for (int j = 0; j < N; j += 16) {
      int V = N - j >= 16 ? 2 : 1;
      for (int i = 0; i < M; i += 6) {
        int P = M - i < 6 ? M - i : 6;
        mac(P, V, ae + i * ps, ps, 0, 0, ks, be + j, K, N, 1, 1, ce + (size_t)i * N + j, N);
      }
    }
  }
  return 1;
}

/* ---- Node-API ----------------------------------------------------------------------------- */

#define MAX_INTS 16

static size_t heap_bytes;

/*
 * The heap and `count` integers after it (the heap's size in heap_bytes); throws (and returns
 * NULL) when they are not that, or when an integer is negative.
 */
static char *heap_and_ints(napi_env env, napi_callback_info info, size_t count, int *ints) {
  napi_value argv[MAX_INTS + 1];
  size_t argc = MAX_INTS + 1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc != count + 1) {
    napi_throw_error(env, "EMO_NATIVE_ARGS", "native kernel: wrong number of arguments");
    return NULL;
  }
  void *data;
  size_t length;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok) {
    napi_throw_type_error(env, "EMO_NATIVE_ARGS", "native kernel: the heap must be an ArrayBuffer");
    return NULL;
  }
  for (size_t i = 0; i < count; i++)
    if (napi_get_value_int32(env, argv[i + 1], &ints[i]) != napi_ok || ints[i] < 0) {
      napi_throw_type_error(env, "EMO_NATIVE_ARGS",
                            "native kernel: expected non-negative integer arguments");
      return NULL;
    }
  heap_bytes = length;
  return (char *)data;
}

/* Whether `floats` floats from byte offset `at` lie in the heap; throws when not. */
static int in_heap(napi_env env, int at, size_t floats) {
  if ((size_t)at % sizeof(float) == 0 && (size_t)at + floats * sizeof(float) <= heap_bytes)
    return 1;
  napi_throw_range_error(env, "EMO_NATIVE_ARGS", "native kernel: a tensor lies outside the heap");
  return 0;
}

static napi_value out_of_memory(napi_env env) {
  napi_throw_error(env, "EMO_NATIVE_MEMORY", "native kernel: could not allocate scratch memory");
  return NULL;
}

#define F(i) ((float *)(heap + v[i]))

/*
 * The sizes of a convolution (N, H, W, Ci, Ho, Wo, Co, kh, kw, sh, sw, top, left): filter and
 * strides at least 1, Co % 8 == 0 (the kernels pad the input with zeros as far as the output
 * needs, so any Ho and Wo are safe). Throws when not.
 */
static int sizes_ok(napi_env env, const int *z) {
  if (z[7] >= 1 && z[8] >= 1 && z[9] >= 1 && z[10] >= 1 && z[6] % 8 == 0) return 1;
  napi_throw_range_error(env, "EMO_NATIVE_ARGS",
                         "native kernel: convolution needs kh, kw, sh, sw >= 1 and Co % 8 == 0");
  return 0;
}

/* conv2d(heap, x, w, y, N, H, W, Ci, Ho, Wo, Co, kh, kw, sh, sw, top, left) */
static napi_value js_conv2d(napi_env env, napi_callback_info info) {
  int v[16];
  char *heap = heap_and_ints(env, info, 16, v);
  if (!heap || !in_heap(env, v[0], (size_t)v[3] * v[4] * v[5] * v[6]) ||
      !in_heap(env, v[1], (size_t)v[10] * v[11] * v[6] * v[9]) ||
      !in_heap(env, v[2], (size_t)v[3] * v[7] * v[8] * v[9]) || !sizes_ok(env, v + 3))
    return NULL;
  if (!conv2d_nhwc(F(0), F(1), F(2), v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11],
                   v[12], v[13], v[14], v[15]))
    return out_of_memory(env);
  return NULL;
}

/* conv2d_filter_grad(heap, x, dy, dw, N, H, W, Ci, Ho, Wo, Co, kh, kw, sh, sw, top, left) */
static napi_value js_conv2d_filter_grad(napi_env env, napi_callback_info info) {
  int v[16];
  char *heap = heap_and_ints(env, info, 16, v);
  if (!heap || !in_heap(env, v[0], (size_t)v[3] * v[4] * v[5] * v[6]) ||
      !in_heap(env, v[1], (size_t)v[3] * v[7] * v[8] * v[9]) ||
      !in_heap(env, v[2], (size_t)v[10] * v[11] * v[6] * v[9]) || !sizes_ok(env, v + 3))
    return NULL;
  if (!conv2d_filter_grad(F(0), F(1), F(2), v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
                          v[11], v[12], v[13], v[14], v[15]))
    return out_of_memory(env);
  return NULL;
}

/* matmul(heap, a, b, c, batch, M, K, N, transA, transB, strideA, strideB) */
static napi_value js_matmul(napi_env env, napi_callback_info info) {
  int v[11];
  char *heap = heap_and_ints(env, info, 11, v);
  if (!heap) return NULL;
  /* a and b: the last entry's start plus one matrix; c: batch matrices */
  size_t batch = v[3], M = v[4], K = v[5], N = v[6];
  if (batch == 0 || N % 8 != 0) {
    napi_throw_range_error(env, "EMO_NATIVE_ARGS", "native kernel: matmul needs batch > 0, N % 8 == 0");
    return NULL;
  }
  if (!in_heap(env, v[0], (batch - 1) * (size_t)v[9] + M * K) ||
      !in_heap(env, v[1], (batch - 1) * (size_t)v[10] + K * N) || !in_heap(env, v[2], batch * M * N))
    return NULL;
  if (!matmul(F(0), F(1), F(2), v[3], v[4], v[5], v[6], v[7], v[8], (size_t)v[9], (size_t)v[10]))
    return out_of_memory(env);
  return NULL;
}

static void export_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

NAPI_MODULE_INIT() {
  export_function(env, exports, "conv2d", js_conv2d);
  export_function(env, exports, "conv2dFilterGrad", js_conv2d_filter_grad);
  export_function(env, exports, "matmul", js_matmul);
  __builtin_cpu_init();
  napi_value supported, source;
  napi_get_boolean(env, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"),
                   &supported);
  napi_set_named_property(env, exports, "supported", supported);
  napi_create_string_utf8(env, EMO_SOURCE_SHA256, NAPI_AUTO_LENGTH, &source);
  napi_set_named_property(env, exports, "source", source);
  return exports;
}
