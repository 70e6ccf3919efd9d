/*
 * The convolutions and matrix products of the native kernels (see kernels.h): one register
 * block of up to 6 output rows (pixels, or matrix rows) x 16 output channels, kept in 12 AVX
 * registers while the reduction streams through them (2 vector loads and 6 broadcasts per 12
 * FMAs), and the scratch buffers the padded inputs and packed matrices go to.
 */
#include "kernels.h"
#include <stdlib.h>
#include <string.h>

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

/*
 * x as a convolution reads it, Hp x Wp per image: x itself when that needs no padding, else x
 * padded into the scratch buffer (see pad_nhwc); NULL when scratch memory could not be had.
 */
static const float *padded_input(const float *x, int N, int H, int W, int C, int Hp, int Wp,
                                 int top, int left) {
  if (top == 0 && left == 0 && Hp == H && Wp == W) return x;
  float *padded = scratch_get(SCRATCH_INPUT, (size_t)N * Hp * Wp * C);
  if (padded) pad_nhwc(x, padded, N, H, W, C, Hp, Wp, top, left);
  return padded;
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
KERNEL int conv2d_fused(const float *x, const float *w, float *y, int N, int H, int W, int Ci,
                        int Ho, int Wo, int Co, int kh, int kw, int sh, int sw, int top, int left,
                        const float *bias, int relu) {
  int Hp = (Ho - 1) * sh + kh, Wp = (Wo - 1) * sw + kw;
  const float *xp = padded_input(x, N, H, W, Ci, Hp, Wp, top, left);
  if (!xp) return 0;
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
KERNEL int depthwise_conv2d(const float *x, const float *w, float *y, int N, int H, int W, int C,
                            int Ho, int Wo, int kh, int kw, int sh, int sw, int top, int left) {
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
KERNEL int conv2d_filter_grad(const float *x, const float *dy, float *dw, int N, int H, int W,
                              int Ci, int Ho, int Wo, int Co, int kh, int kw, int sh, int sw,
                              int top, int left) {
  int Hp = (Ho - 1) * sh + kh, Wp = (Wo - 1) * sw + kw;
  const float *xp = padded_input(x, N, H, W, Ci, Hp, Wp, top, left);
  if (!xp) return 0;
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
KERNEL int matmul(const float *a, const float *b, float *c, int batch, int M, int K, int N,
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

/*
 * C[M x N] += A[M x K] . B[K x N]: B's and C's rows ldb and ldc floats apart, A's element (m, k)
 * at A[m*am + k*ak] (am = lda, ak = 1 for A as stored; am = 1, ak = lda for A transposed).
 */
KERNEL void gemm_acc(int M, int N, int K, const float *A, size_t am, size_t ak, const float *B,
                     int ldb, float *C, int ldc) {
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
