/* Max pooling and its gradient for the native kernels (see kernels.h). */
#include "kernels.h"
#include <stdlib.h>
#include <string.h>

/* ---- max pooling -------------------------------------------------------------------------- */

/*
 * NHWC, C % 8 == 0, windows fh x fw at strides sh x sw, padded by top rows and left columns
 * (padding never wins). The cpu backend's rules: a window's max is its largest value, NaN never
 * larger (_mm256_max_ps(v, m) keeps m when v is NaN), -inf when nothing is; the gradient goes to
 * the first strict maximum in row-major order, nowhere when there is none.
 */
KERNEL void max_pool(const float *x, float *y, int N, int H, int W, int C, int Ho, int Wo, int fh,
                     int fw, int sh, int sw, int top, int left) {
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

KERNEL void max_pool_grad(const float *x, const float *dy, float *dx, int N, int H, int W, int C,
                          int Ho, int Wo, int fh, int fw, int sh, int sw, int top, int left) {
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
