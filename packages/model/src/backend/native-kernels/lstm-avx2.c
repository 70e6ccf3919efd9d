/* The fused LSTM layer for the native kernels (see kernels.h). */
#include "kernels.h"
#include <stdlib.h>
#include <string.h>

/* ---- LSTM --------------------------------------------------------------------------------- */

/*
 * The LSTM layer of ../fused-lstm/lstm.c, forward and backward, with the same layouts, maths and
 * work space (see there), 8 lanes wide with FMA: U must be a multiple of 8 (recurrence.ts uses
 * the wasm module for other unit counts).
 */

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

KERNEL void lstm_forward(int T, int B, int I, int U, const float *x, const float *W,
                         const float *bias, const float *R, float *gates, float *c, float *h) {
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

KERNEL void lstm_backward(int T, int B, int I, int U, const float *x, const float *W,
                          const float *R, const float *gates, const float *c, const float *h,
                          const float *dh, float *dz, float *dx, float *dW, float *db, float *dR,
                          float *scratch) {
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
