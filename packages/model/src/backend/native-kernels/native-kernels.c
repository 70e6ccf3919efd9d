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
 * y[p][v*8 .. v*8+7] (+)= sum over (a, b, k) of x[p*ps + a*rs + b*cs + k*ks] * w[((a*kw + b)*K + k)*Co + v*8 ..]
 * for P <= 6 rows and V <= 2 vectors, added to y when `add`. A convolution: p the output pixel,
 * k the input channel; a matrix product: kh = kw = 1, p the row of A, k the column.
 */
INLINE KERNEL void mac_block(int P, int V, const float *x, size_t ps, size_t rs, size_t cs,
                             size_t ks, const float *w, int K, int Co, int kh, int kw, float *y,
                             size_t ys, int add) {
  __m256 acc[6][2];
  for (int p = 0; p < P; p++)
    for (int v = 0; v < V; v++)
      acc[p][v] = add ? _mm256_loadu_ps(y + p * ys + v * 8) : _mm256_setzero_ps();
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
  case P * 4 + V: mac_block(P, V, x, ps, rs, cs, ks, w, K, Co, kh, kw, y, ys, add); break;
static KERNEL void mac(int P, int V, const float *x, size_t ps, size_t rs, size_t cs, size_t ks,
                       const float *w, int K, int Co, int kh, int kw, float *y, size_t ys,
                       int add) {
  switch (P * 4 + V) {
    MAC_CASE(6, 2) MAC_CASE(5, 2) MAC_CASE(4, 2) MAC_CASE(3, 2) MAC_CASE(2, 2) MAC_CASE(1, 2)
    MAC_CASE(6, 1) MAC_CASE(5, 1) MAC_CASE(4, 1) MAC_CASE(3, 1) MAC_CASE(2, 1) MAC_CASE(1, 1)
  }
}

/* ---- convolution -------------------------------------------------------------------------- */

/* bias (when not NULL) added to, and ReLU (when relu) applied to, P pixels x Co channels of y */
static KERNEL void epilogue(float *y, int P, int Co, const float *bias, int relu) {
  const __m256 zero = _mm256_setzero_ps();
  for (int p = 0; p < P; p++)
    for (int c = 0; c < Co; c += 8) {
      __m256 v = _mm256_loadu_ps(y + (size_t)p * Co + c);
      if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + c));
      if (relu) v = _mm256_max_ps(v, zero);
      _mm256_storeu_ps(y + (size_t)p * Co + c, v);
    }
}

/*
 * y [N, Ho, Wo, Co] = x [N, H, W, Ci] correlated with w [kh, kw, Ci, Co], strides sh x sw, x
 * padded by top rows and left columns (and as many at the bottom and right as the output needs),
 * then + bias (when not NULL) and ReLU (when relu): tfjs's Conv2D and FusedConv2D, in their
 * order. Co % 8 == 0. Returns 0 when scratch memory could not be had.
 */
static KERNEL int conv2d_fused(const float *x, const float *w, float *y, int N, int H, int W,
                               int Ci, int Ho, int Wo, int Co, int kh, int kw, int sh, int sw,
                               int top, int left, const float *bias, int relu) {
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
          mac(P, V, xb, (size_t)sw * Ci, rs, cs, 1, w + co, Ci, Co, kh, kw, yb + co, Co, 0);
        }
        if (bias || relu) epilogue(yb, P, Co, bias, relu);
      }
  return 1;
}

/*
 * Depthwise convolution, channel multiplier 1: y [N, Ho, Wo, C] with
 * y[n, i, j, c] = sum over (a, b) of x[n, i*sh + a - top, j*sw + b - left, c] * w[a, b, c]
 * (x zero outside the image), eight channels at a time; C % 8 == 0. Never fails (returns 1).
 */
static KERNEL int depthwise_conv2d(const float *x, const float *w, float *y, int N, int H, int W,
                                   int C, int Ho, int Wo, int kh, int kw, int sh, int sw,
                                   int top, int left) {
  /* no padded copy: each window is clipped to the image (the rest of it multiplies zeros) */
  for (int n = 0; n < N; n++)
    for (int i = 0; i < Ho; i++) {
      int y0 = i * sh - top, aFrom = y0 < 0 ? -y0 : 0, aTo = y0 + kh > H ? H - y0 : kh;
      for (int j = 0; j < Wo; j++) {
        int x0 = j * sw - left, bFrom = x0 < 0 ? -x0 : 0, bTo = x0 + kw > W ? W - x0 : kw;
        float *out = y + (((size_t)n * Ho + i) * Wo + j) * C;
        for (int c = 0; c < C; c += 8) {
          __m256 acc = _mm256_setzero_ps();
          for (int a = aFrom; a < aTo; a++)
            for (int b = bFrom; b < bTo; b++)
              acc = _mm256_fmadd_ps(
                  _mm256_loadu_ps(x + (((size_t)n * H + y0 + a) * W + x0 + b) * C + c),
                  _mm256_loadu_ps(w + ((size_t)a * kw + b) * C + c), acc);
          _mm256_storeu_ps(out + c, acc);
        }
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

/* dw [kh, kw, Ci, Co] of the convolution conv2d_fused computes (before its bias). Co % 8 == 0. */
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
        mac(P, V, ae + i * ps, ps, 0, 0, ks, be + j, K, N, 1, 1, ce + (size_t)i * N + j, N, 0);
      }
    }
  }
  return 1;
}

/* ---- max pooling -------------------------------------------------------------------------- */

/*
 * NHWC, C % 8 == 0, windows fh x fw at strides sh x sw, padded by top rows and left columns
 * (padding never wins). The cpu backend's rules: a window's max is its largest value, NaN never
 * larger (_mm256_max_ps(v, m) keeps m when v is NaN), -inf when nothing is; the gradient goes to
 * the first strict maximum in row-major order, nowhere when there is none.
 */
static KERNEL void max_pool(const float *x, float *y, int N, int H, int W, int C, int Ho, int Wo,
                            int fh, int fw, int sh, int sw, int top, int left) {
  for (int n = 0; n < N; n++)
    for (int oy = 0; oy < Ho; oy++) {
      int y0 = oy * sh - top, yFrom = y0 < 0 ? 0 : y0, yTo = y0 + fh > H ? H : y0 + fh;
      for (int ox = 0; ox < Wo; ox++) {
        int x0 = ox * sw - left, xFrom = x0 < 0 ? 0 : x0, xTo = x0 + fw > W ? W : x0 + fw;
        float *out = y + (((size_t)n * Ho + oy) * Wo + ox) * C;
        for (int c = 0; c < C; c += 8) {
          __m256 m = _mm256_set1_ps(-__builtin_inff());
          for (int yy = yFrom; yy < yTo; yy++)
            for (int xx = xFrom; xx < xTo; xx++)
              m = _mm256_max_ps(_mm256_loadu_ps(x + (((size_t)n * H + yy) * W + xx) * C + c), m);
          _mm256_storeu_ps(out + c, m);
        }
      }
    }
}

static KERNEL void max_pool_grad(const float *x, const float *dy, float *dx, int N, int H, int W,
                                 int C, int Ho, int Wo, int fh, int fw, int sh, int sw, int top,
                                 int left) {
  memset(dx, 0, sizeof(float) * N * H * W * C);
  const __m256 negInf = _mm256_set1_ps(-__builtin_inff());
  for (int n = 0; n < N; n++)
    for (int oy = 0; oy < Ho; oy++) {
      int y0 = oy * sh - top, yFrom = y0 < 0 ? 0 : y0, yTo = y0 + fh > H ? H : y0 + fh;
      for (int ox = 0; ox < Wo; ox++) {
        int x0 = ox * sw - left, xFrom = x0 < 0 ? 0 : x0, xTo = x0 + fw > W ? W : x0 + fw;
        const float *g = dy + (((size_t)n * Ho + oy) * Wo + ox) * C;
        for (int c = 0; c < C; c += 8) {
          /* the winner's position in the window, per lane (-1: none) */
          __m256 best = negInf;
          __m256i at = _mm256_set1_epi32(-1);
          int k = 0;
          for (int yy = yFrom; yy < yTo; yy++)
            for (int xx = xFrom; xx < xTo; xx++, k++) {
              __m256 v = _mm256_loadu_ps(x + (((size_t)n * H + yy) * W + xx) * C + c);
              __m256 gt = _mm256_cmp_ps(v, best, _CMP_GT_OQ);
              best = _mm256_blendv_ps(best, v, gt);
              at = _mm256_castps_si256(_mm256_blendv_ps(
                  _mm256_castsi256_ps(at), _mm256_castsi256_ps(_mm256_set1_epi32(k)), gt));
            }
          const __m256 gv = _mm256_loadu_ps(g + c);
          k = 0;
          for (int yy = yFrom; yy < yTo; yy++)
            for (int xx = xFrom; xx < xTo; xx++, k++) {
              __m256 won = _mm256_castsi256_ps(_mm256_cmpeq_epi32(at, _mm256_set1_epi32(k)));
              if (_mm256_testz_ps(won, won)) continue;
              float *d = dx + (((size_t)n * H + yy) * W + xx) * C + c;
              _mm256_storeu_ps(d, _mm256_add_ps(_mm256_loadu_ps(d), _mm256_and_ps(gv, won)));
            }
        }
      }
    }
}

/* ---- LSTM --------------------------------------------------------------------------------- */

/*
 * The LSTM layer of ../fused-lstm/lstm.c, forward and backward, with the same layouts, maths and
 * work space (see there), 8 lanes wide with FMA: U must be a multiple of 8 (recurrence.ts uses
 * the wasm module for other unit counts).
 */

/* C[M x N] += A[M x K] . B[K x N] (row strides lda, ldb, ldc; ka: A's step along k, 1 or lda
 * when A is read transposed, then lda is A's step along m). */
static KERNEL void gemm_acc(int M, int N, int K, const float *A, size_t am, size_t ak,
                            const float *B, int ldb, float *C, int ldc) {
  int N8 = N - N % 8;
  for (int j = 0; j < N8; j += 16) {
    int V = N8 - j >= 16 ? 2 : 1;
    for (int i = 0; i < M; i += 6)
      mac(M - i < 6 ? M - i : 6, V, A + i * am, am, 0, 0, ak, B + j, K, ldb, 1, 1,
          C + (size_t)i * ldc + j, ldc, 1);
  }
  for (int i = 0; i < M; i++)
    for (int j = N8; j < N; j++) {
      float s = C[(size_t)i * ldc + j];
      for (int k = 0; k < K; k++) s += A[i * am + k * ak] * B[(size_t)k * ldb + j];
      C[(size_t)i * ldc + j] = s;
    }
}

/* exp, sigmoid and tanh eight lanes at a time, as lstm.c's four-lane versions. */
INLINE KERNEL __m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-88.0f)), _mm256_set1_ps(88.0f));
  __m256 n = _mm256_floor_ps(
      _mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _mm256_set1_ps(0.5f)));
  __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(0.693359375f)));
  r = _mm256_add_ps(r, _mm256_mul_ps(n, _mm256_set1_ps(2.12194440e-4f)));
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(p, r), r), r), _mm256_set1_ps(1.0f));
  __m256i e = _mm256_slli_epi32(
      _mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

INLINE KERNEL __m256 sigmoid8(__m256 x) {
  __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

INLINE KERNEL __m256 tanh8(__m256 x) {
  __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 a = _mm256_andnot_ps(sign, x);
  __m256 one = _mm256_set1_ps(1.0f);
  __m256 x2 = _mm256_mul_ps(a, a);
  __m256 q = _mm256_sub_ps(_mm256_set1_ps(0.133333333f), _mm256_mul_ps(x2, _mm256_set1_ps(0.053968254f)));
  q = _mm256_add_ps(_mm256_set1_ps(-0.333333333f), _mm256_mul_ps(x2, q));
  __m256 small = _mm256_mul_ps(a, _mm256_add_ps(one, _mm256_mul_ps(x2, q)));
  __m256 large = _mm256_sub_ps(
      one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(exp8(_mm256_add_ps(a, a)), one)));
  __m256 t = _mm256_blendv_ps(large, small, _mm256_cmp_ps(a, _mm256_set1_ps(0.0625f), _CMP_LT_OQ));
  return _mm256_or_ps(t, _mm256_and_ps(x, sign));
}

static KERNEL void lstm_forward(int T, int B, int I, int U, const float *x, const float *W,
                                const float *bias, const float *R, float *gates, float *c,
                                float *h) {
  const int G = 4 * U;
  for (int r = 0; r < B * T; r++) memcpy(gates + (size_t)r * G, bias, sizeof(float) * G);
  gemm_acc(B * T, G, I, x, I, 1, W, G, gates, G);
  for (int t = 0; t < T; t++) {
    if (t > 0)
      gemm_acc(B, G, U, h + (size_t)(t - 1) * U, (size_t)T * U, 1, R, G, gates + (size_t)t * G,
               T * G);
    for (int b = 0; b < B; b++) {
      float *gr = gates + ((size_t)b * T + t) * G;
      const float *cp = t > 0 ? c + ((size_t)b * T + t - 1) * U : 0;
      float *cr = c + ((size_t)b * T + t) * U;
      float *hr = h + ((size_t)b * T + t) * U;
      for (int u = 0; u < U; u += 8) {
        __m256 i = sigmoid8(_mm256_loadu_ps(gr + u));
        __m256 f = sigmoid8(_mm256_loadu_ps(gr + U + u));
        __m256 g = tanh8(_mm256_loadu_ps(gr + 2 * U + u));
        __m256 o = sigmoid8(_mm256_loadu_ps(gr + 3 * U + u));
        _mm256_storeu_ps(gr + u, i);
        _mm256_storeu_ps(gr + U + u, f);
        _mm256_storeu_ps(gr + 2 * U + u, g);
        _mm256_storeu_ps(gr + 3 * U + u, o);
        __m256 cc = _mm256_mul_ps(i, g);
        if (cp) cc = _mm256_add_ps(_mm256_mul_ps(f, _mm256_loadu_ps(cp + u)), cc);
        _mm256_storeu_ps(cr + u, cc);
        _mm256_storeu_ps(hr + u, _mm256_mul_ps(o, tanh8(cc)));
      }
    }
  }
}

static KERNEL void lstm_backward(int T, int B, int I, int U, const float *x, const float *W,
                                 const float *R, const float *gates, const float *c,
                                 const float *h, const float *dh, float *dz, float *dx, float *dW,
                                 float *db, float *dR, float *scratch) {
  const int G = 4 * U;
  float *dhNext = scratch;                 /* [B][U] */
  float *dcNext = scratch + (size_t)B * U; /* [B][U] */
  float *RT = scratch + 2 * (size_t)B * U; /* [4U][U] */
  memset(dhNext, 0, sizeof(float) * 2 * B * U);
  memset(dR, 0, sizeof(float) * U * G);
  for (int u = 0; u < U; u++)
    for (int j = 0; j < G; j++) RT[(size_t)j * U + u] = R[(size_t)u * G + j];
  const __m256 one = _mm256_set1_ps(1.0f);
  for (int t = T - 1; t >= 0; t--) {
    for (int b = 0; b < B; b++) {
      const float *gr = gates + ((size_t)b * T + t) * G;
      const float *cr = c + ((size_t)b * T + t) * U;
      const float *cp = t > 0 ? c + ((size_t)b * T + t - 1) * U : 0;
      const float *dhr = dh + ((size_t)b * T + t) * U;
      float *dzr = dz + ((size_t)b * T + t) * G;
      float *dhn = dhNext + (size_t)b * U, *dcn = dcNext + (size_t)b * U;
      for (int u = 0; u < U; u += 8) {
        __m256 i = _mm256_loadu_ps(gr + u), f = _mm256_loadu_ps(gr + U + u);
        __m256 g = _mm256_loadu_ps(gr + 2 * U + u), o = _mm256_loadu_ps(gr + 3 * U + u);
        __m256 tc = tanh8(_mm256_loadu_ps(cr + u));
        __m256 d = _mm256_add_ps(_mm256_loadu_ps(dhr + u), _mm256_loadu_ps(dhn + u));
        __m256 dc = _mm256_add_ps(
            _mm256_loadu_ps(dcn + u),
            _mm256_mul_ps(_mm256_mul_ps(d, o), _mm256_sub_ps(one, _mm256_mul_ps(tc, tc))));
        _mm256_storeu_ps(dzr + u, _mm256_mul_ps(_mm256_mul_ps(dc, g),
                                                _mm256_mul_ps(i, _mm256_sub_ps(one, i))));
        __m256 df = cp ? _mm256_mul_ps(_mm256_mul_ps(dc, _mm256_loadu_ps(cp + u)),
                                       _mm256_mul_ps(f, _mm256_sub_ps(one, f)))
                       : _mm256_setzero_ps();
        _mm256_storeu_ps(dzr + U + u, df);
        _mm256_storeu_ps(dzr + 2 * U + u, _mm256_mul_ps(_mm256_mul_ps(dc, i),
                                                        _mm256_sub_ps(one, _mm256_mul_ps(g, g))));
        _mm256_storeu_ps(dzr + 3 * U + u, _mm256_mul_ps(_mm256_mul_ps(d, tc),
                                                        _mm256_mul_ps(o, _mm256_sub_ps(one, o))));
        _mm256_storeu_ps(dcn + u, _mm256_mul_ps(dc, f));
      }
    }
    if (t > 0) {
      memset(dhNext, 0, sizeof(float) * B * U);
      gemm_acc(B, U, G, dz + (size_t)t * G, (size_t)T * G, 1, RT, U, dhNext, U);
      /* dR += h_{t-1}^T . dz_t (rows: the batch) */
      gemm_acc(U, G, B, h + (size_t)(t - 1) * U, 1, (size_t)T * U, dz + (size_t)t * G, T * G, dR,
               G);
    }
  }
  /* dx = dz . W^T, dW = x^T . dz, db = sum of dz over all rows */
  float *WT = RT + (size_t)G * U; /* [4U][I] */
  for (int i = 0; i < I; i++)
    for (int j = 0; j < G; j++) WT[(size_t)j * I + i] = W[(size_t)i * G + j];
  memset(dx, 0, sizeof(float) * B * T * I);
  gemm_acc(B * T, I, G, dz, G, 1, WT, I, dx, I);
  memset(dW, 0, sizeof(float) * I * G);
  gemm_acc(I, G, B * T, x, 1, I, dz, G, dW, G);
  for (int j = 0; j < G; j += 8) {
    __m256 s = _mm256_setzero_ps();
    for (int r = 0; r < B * T; r++) s = _mm256_add_ps(s, _mm256_loadu_ps(dz + (size_t)r * G + j));
    _mm256_storeu_ps(db + j, s);
  }
}

/* ---- Node-API ----------------------------------------------------------------------------- */

#define MAX_INTS 19

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

/*
 * conv2dFused(heap, x, w, y, bias, hasBias, relu, N, H, W, Ci, Ho, Wo, Co, kh, kw, sh, sw, top,
 * left): the convolution, then + bias (when hasBias) and ReLU (when relu)
 */
static napi_value js_conv2d_fused(napi_env env, napi_callback_info info) {
  int v[19];
  char *heap = heap_and_ints(env, info, 19, v);
  if (!heap) return NULL;
  const int *z = v + 6; /* the sizes */
  if (!in_heap(env, v[0], (size_t)z[0] * z[1] * z[2] * z[3]) ||
      !in_heap(env, v[1], (size_t)z[7] * z[8] * z[3] * z[6]) ||
      !in_heap(env, v[2], (size_t)z[0] * z[4] * z[5] * z[6]) || !sizes_ok(env, z) ||
      (v[4] && !in_heap(env, v[3], (size_t)z[6])))
    return NULL;
  if (!conv2d_fused(F(0), F(1), F(2), z[0], z[1], z[2], z[3], z[4], z[5], z[6], z[7], z[8], z[9],
                    z[10], z[11], z[12], v[4] ? F(3) : NULL, v[5]))
    return out_of_memory(env);
  return NULL;
}

/* depthwiseConv2d(heap, x, w, y, N, H, W, C, Ho, Wo, kh, kw, sh, sw, top, left) */
static napi_value js_depthwise_conv2d(napi_env env, napi_callback_info info) {
  int v[15];
  char *heap = heap_and_ints(env, info, 15, v);
  if (!heap) return NULL;
  const int *z = v + 3;
  if (!(z[6] >= 1 && z[7] >= 1 && z[8] >= 1 && z[9] >= 1 && z[3] % 8 == 0)) {
    napi_throw_range_error(env, "EMO_NATIVE_ARGS",
                           "native kernel: depthwise needs kh, kw, sh, sw >= 1 and C % 8 == 0");
    return NULL;
  }
  if (!in_heap(env, v[0], (size_t)z[0] * z[1] * z[2] * z[3]) ||
      !in_heap(env, v[1], (size_t)z[6] * z[7] * z[3]) ||
      !in_heap(env, v[2], (size_t)z[0] * z[4] * z[5] * z[3]))
    return NULL;
  if (!depthwise_conv2d(F(0), F(1), F(2), z[0], z[1], z[2], z[3], z[4], z[5], z[6], z[7], z[8],
                        z[9], z[10], z[11]))
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

/*
 * The sizes of a pooling (N, H, W, C, Ho, Wo, fh, fw, sh, sw, top, left): window and strides at
 * least 1, C % 8 == 0. Throws when not.
 */
static int pool_sizes_ok(napi_env env, const int *z) {
  if (z[6] >= 1 && z[7] >= 1 && z[8] >= 1 && z[9] >= 1 && z[3] % 8 == 0) return 1;
  napi_throw_range_error(env, "EMO_NATIVE_ARGS",
                         "native kernel: pooling needs fh, fw, sh, sw >= 1 and C % 8 == 0");
  return 0;
}

/* maxPool(heap, x, y, N, H, W, C, Ho, Wo, fh, fw, sh, sw, top, left) */
static napi_value js_max_pool(napi_env env, napi_callback_info info) {
  int v[14];
  char *heap = heap_and_ints(env, info, 14, v);
  if (!heap || !pool_sizes_ok(env, v + 2) ||
      !in_heap(env, v[0], (size_t)v[2] * v[3] * v[4] * v[5]) ||
      !in_heap(env, v[1], (size_t)v[2] * v[6] * v[7] * v[5]))
    return NULL;
  max_pool(F(0), F(1), v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]);
  return NULL;
}

/* maxPoolGrad(heap, x, dy, dx, N, H, W, C, Ho, Wo, fh, fw, sh, sw, top, left) */
static napi_value js_max_pool_grad(napi_env env, napi_callback_info info) {
  int v[15];
  char *heap = heap_and_ints(env, info, 15, v);
  if (!heap || !pool_sizes_ok(env, v + 3) ||
      !in_heap(env, v[0], (size_t)v[3] * v[4] * v[5] * v[6]) ||
      !in_heap(env, v[1], (size_t)v[3] * v[7] * v[8] * v[6]) ||
      !in_heap(env, v[2], (size_t)v[3] * v[4] * v[5] * v[6]))
    return NULL;
  max_pool_grad(F(0), F(1), F(2), v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
                v[13], v[14]);
  return NULL;
}

/* lstmForward(heap, T, B, I, U, x, W, bias, R, gates, c, h): offsets into the heap */
static napi_value js_lstm_forward(napi_env env, napi_callback_info info) {
  int v[11];
  char *heap = heap_and_ints(env, info, 11, v);
  if (!heap) return NULL;
  size_t T = v[0], B = v[1], I = v[2], U = v[3];
  if (U % 8 != 0) {
    napi_throw_range_error(env, "EMO_NATIVE_ARGS", "native kernel: the LSTM needs units % 8 == 0");
    return NULL;
  }
  if (!in_heap(env, v[4], B * T * I) || !in_heap(env, v[5], I * 4 * U) ||
      !in_heap(env, v[6], 4 * U) || !in_heap(env, v[7], U * 4 * U) ||
      !in_heap(env, v[8], B * T * 4 * U) || !in_heap(env, v[9], B * T * U) ||
      !in_heap(env, v[10], B * T * U))
    return NULL;
  lstm_forward(v[0], v[1], v[2], v[3], F(4), F(5), F(6), F(7), F(8), F(9), F(10));
  return NULL;
}

/*
 * lstmBackward(heap, T, B, I, U, x, W, R, gates, c, h, dh, dz, dx, dW, db, dR, scratch), the
 * scratch 2BU + 4U.U + 4U.I floats
 */
static napi_value js_lstm_backward(napi_env env, napi_callback_info info) {
  int v[17];
  char *heap = heap_and_ints(env, info, 17, v);
  if (!heap) return NULL;
  size_t T = v[0], B = v[1], I = v[2], U = v[3];
  if (U % 8 != 0) {
    napi_throw_range_error(env, "EMO_NATIVE_ARGS", "native kernel: the LSTM needs units % 8 == 0");
    return NULL;
  }
  if (!in_heap(env, v[4], B * T * I) || !in_heap(env, v[5], I * 4 * U) ||
      !in_heap(env, v[6], U * 4 * U) || !in_heap(env, v[7], B * T * 4 * U) ||
      !in_heap(env, v[8], B * T * U) || !in_heap(env, v[9], B * T * U) ||
      !in_heap(env, v[10], B * T * U) || !in_heap(env, v[11], B * T * 4 * U) ||
      !in_heap(env, v[12], B * T * I) || !in_heap(env, v[13], I * 4 * U) ||
      !in_heap(env, v[14], 4 * U) || !in_heap(env, v[15], U * 4 * U) ||
      !in_heap(env, v[16], 2 * B * U + 4 * U * U + 4 * U * I))
    return NULL;
  lstm_backward(v[0], v[1], v[2], v[3], F(4), F(5), F(6), F(7), F(8), F(9), F(10), F(11), F(12),
                F(13), F(14), F(15), F(16));
  return NULL;
}

static void export_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

NAPI_MODULE_INIT() {
  export_function(env, exports, "conv2dFused", js_conv2d_fused);
  export_function(env, exports, "depthwiseConv2d", js_depthwise_conv2d);
  export_function(env, exports, "conv2dFilterGrad", js_conv2d_filter_grad);
  export_function(env, exports, "matmul", js_matmul);
  export_function(env, exports, "maxPool", js_max_pool);
  export_function(env, exports, "maxPoolGrad", js_max_pool_grad);
  export_function(env, exports, "lstmForward", js_lstm_forward);
  export_function(env, exports, "lstmBackward", js_lstm_backward);
  __builtin_cpu_init();
  napi_value supported, source;
  napi_get_boolean(env, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"),
                   &supported);
  napi_set_named_property(env, exports, "supported", supported);
  napi_create_string_utf8(env, EMO_SOURCE_SHA256, NAPI_AUTO_LENGTH, &source);
  napi_set_named_property(env, exports, "source", source);
  return exports;
}
