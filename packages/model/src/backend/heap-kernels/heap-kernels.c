/*
 * Kernels that run in place on tfjs-backend-wasm's own heap: the module imports that backend's
 * WebAssembly memory and is given the byte offsets of its tensors, so nothing is copied in or
 * out. Built by build.sh (clang, -O3 -msimd128) into heap-kernels-wasm.ts; nothing is compiled
 * at install time.
 *
 * Rules that make sharing tfjs's memory safe, checked by build.sh on the compiled module: no
 * data segments (no static arrays or strings) and no use of the shadow stack (no arrays or
 * address-taken locals), so that the module writes nowhere but the output tensors it is given.
 */
#include <wasm_simd128.h>

typedef float f32;

/*
 * MaxPoolGrad, NHWC, channels a multiple of 4: dx = 0, then each dy[n, oy, ox, c] is added to
 * the first strict maximum, in row-major order, of its window in x (padding, NaN and −∞ never
 * win; a window without a winner gives nothing): the cpu backend's rule.
 */
__attribute__((export_name("max_pool_grad"))) void max_pool_grad(
    const f32 *x, const f32 *dy, f32 *dx, int N, int H, int W, int C, int Ho, int Wo, int fh,
    int fw, int sh, int sw, int top, int left) {
  const long total = (long)N * H * W * C;
  for (long k = 0; k < total; k += 4) wasm_v128_store(dx + k, wasm_f32x4_splat(0.0f));
  const v128_t negInf = wasm_f32x4_splat(-__builtin_inff());
  const v128_t none = wasm_i32x4_splat(-1);
  for (int n = 0; n < N; n++) {
    const long base = (long)n * H * W * C;
    for (int oy = 0; oy < Ho; oy++) {
      const int y0 = oy * sh - top;
      const int yFrom = y0 < 0 ? 0 : y0;
      const int yTo = y0 + fh > H ? H : y0 + fh;
      for (int ox = 0; ox < Wo; ox++) {
        const int x0 = ox * sw - left;
        const int xFrom = x0 < 0 ? 0 : x0;
        const int xTo = x0 + fw > W ? W : x0 + fw;
        const f32 *g = dy + (((long)n * Ho + oy) * Wo + ox) * C;
        for (int c = 0; c < C; c += 4) {
          /* the winner's position in the window, per lane (−1: none) */
          v128_t best = negInf, at = none;
          int k = 0;
          for (int yy = yFrom; yy < yTo; yy++) {
            for (int xx = xFrom; xx < xTo; xx++, k++) {
              v128_t v = wasm_v128_load(x + base + ((long)yy * W + xx) * C + c);
              v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              at = wasm_v128_bitselect(wasm_i32x4_splat(k), at, gt);
            }
          }
          const v128_t gv = wasm_v128_load(g + c);
          k = 0;
          for (int yy = yFrom; yy < yTo; yy++) {
            for (int xx = xFrom; xx < xTo; xx++, k++) {
              v128_t won = wasm_i32x4_eq(at, wasm_i32x4_splat(k));
              if (!wasm_v128_any_true(won)) continue;
              f32 *d = dx + base + ((long)yy * W + xx) * C + c;
              wasm_v128_store(d, wasm_f32x4_add(wasm_v128_load(d), wasm_v128_and(gv, won)));
            }
          }
        }
      }
    }
  }
}

static inline void add_to(f32 *p, v128_t s) {
  wasm_v128_store(p, wasm_f32x4_add(wasm_v128_load(p), s));
}

/*
 * Conv2DBackpropFilter, NHWC, dilation 1, output channels a multiple of 4:
 * dW[a, b, ci, co] = Σ_{n,i,j} x[n, i·sh + a − top, j·sw + b − left, ci] · dy[n, i, j, co]
 * (x zero outside the image). One output row (n, i) at a time, for each tap (a, b) the valid
 * columns j; the sum over j runs in registers for a block of 4 (or 1) input × 8 (or 4) output
 * channels and is then added to dW (row sums first: a float32 sum over all n·Ho·Wo terms in one
 * chain drifts, 3e-3 on a 641-sized dW of a 64×24×24×32 layer against float64).
 */
__attribute__((export_name("conv2d_filter_grad"))) void conv2d_filter_grad(
    const f32 *x, const f32 *dy, f32 *dw, int N, int H, int W, int Ci, int Ho, int Wo, int Co,
    int kh, int kw, int sh, int sw, int top, int left) {
  const long size = (long)kh * kw * Ci * Co;
  for (long k = 0; k < size; k += 4) wasm_v128_store(dw + k, wasm_f32x4_splat(0.0f));
  const int xs = sw * Ci; /* x's stride from one output column to the next */
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int n = 0; n < N; n++) {
    for (int i = 0; i < Ho; i++) {
      const f32 *dyRow = dy + ((long)n * Ho + i) * Wo * Co;
      for (int a = 0; a < kh; a++) {
        const int iy = i * sh + a - top;
        if (iy < 0 || iy >= H) continue;
        for (int b = 0; b < kw; b++) {
          /* columns j with 0 ≤ j·sw + b − left < W */
          const int off = b - left;
          int jFrom = off >= 0 ? 0 : (-off + sw - 1) / sw;
          int jTo = (W - 1 - off) / sw + 1;
          if (W - 1 - off < 0) jTo = 0;
          if (jTo > Wo) jTo = Wo;
          if (jFrom >= jTo) continue;
          const int J = jTo - jFrom;
          const f32 *xp = x + (((long)n * H + iy) * W + (jFrom * sw + off)) * Ci;
          const f32 *gp = dyRow + (long)jFrom * Co;
          f32 *wp = dw + ((long)a * kw + b) * Ci * Co;
          int ci = 0;
          for (; ci + 4 <= Ci; ci += 4) {
            f32 *w0 = wp + (long)ci * Co, *w1 = w0 + Co, *w2 = w1 + Co, *w3 = w2 + Co;
            int co = 0;
            for (; co + 8 <= Co; co += 8) {
              v128_t s00 = zero, s01 = zero;
              v128_t s10 = zero, s11 = zero;
              v128_t s20 = zero, s21 = zero;
              v128_t s30 = zero, s31 = zero;
              const f32 *xj = xp + ci, *gj = gp + co;
              for (int j = 0; j < J; j++, xj += xs, gj += Co) {
                v128_t g0 = wasm_v128_load(gj), g1 = wasm_v128_load(gj + 4);
                v128_t xv = wasm_v128_load(xj);
                v128_t x0 = wasm_i32x4_shuffle(xv, xv, 0, 0, 0, 0);
                v128_t x1 = wasm_i32x4_shuffle(xv, xv, 1, 1, 1, 1);
                v128_t x2 = wasm_i32x4_shuffle(xv, xv, 2, 2, 2, 2);
                v128_t x3 = wasm_i32x4_shuffle(xv, xv, 3, 3, 3, 3);
                s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x0, g0));
                s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x0, g1));
                s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(x1, g0));
                s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(x1, g1));
                s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(x2, g0));
                s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(x2, g1));
                s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(x3, g0));
                s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(x3, g1));
              }
              add_to(w0 + co, s00); add_to(w0 + co + 4, s01);
              add_to(w1 + co, s10); add_to(w1 + co + 4, s11);
              add_to(w2 + co, s20); add_to(w2 + co + 4, s21);
              add_to(w3 + co, s30); add_to(w3 + co + 4, s31);
            }
            for (; co < Co; co += 4) {
              v128_t s0 = zero, s1 = zero;
              v128_t s2 = zero, s3 = zero;
              const f32 *xj = xp + ci, *gj = gp + co;
              for (int j = 0; j < J; j++, xj += xs, gj += Co) {
                v128_t g0 = wasm_v128_load(gj);
                s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_f32x4_splat(xj[0]), g0));
                s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_f32x4_splat(xj[1]), g0));
                s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_f32x4_splat(xj[2]), g0));
                s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_f32x4_splat(xj[3]), g0));
              }
              add_to(w0 + co, s0); add_to(w1 + co, s1);
              add_to(w2 + co, s2); add_to(w3 + co, s3);
            }
          }
          for (; ci < Ci; ci++) {
            f32 *w0 = wp + (long)ci * Co;
            int co = 0;
            for (; co + 16 <= Co; co += 16) {
              v128_t s0 = zero, s1 = zero;
              v128_t s2 = zero, s3 = zero;
              const f32 *xj = xp + ci, *gj = gp + co;
              for (int j = 0; j < J; j++, xj += xs, gj += Co) {
                v128_t xv = wasm_f32x4_splat(xj[0]);
                s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(xv, wasm_v128_load(gj)));
                s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(xv, wasm_v128_load(gj + 4)));
                s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(xv, wasm_v128_load(gj + 8)));
                s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(xv, wasm_v128_load(gj + 12)));
              }
              add_to(w0 + co, s0); add_to(w0 + co + 4, s1);
              add_to(w0 + co + 8, s2); add_to(w0 + co + 12, s3);
            }
            for (; co < Co; co += 4) {
              v128_t s0 = zero;
              const f32 *xj = xp + ci, *gj = gp + co;
              for (int j = 0; j < J; j++, xj += xs, gj += Co) {
                s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_f32x4_splat(xj[0]), wasm_v128_load(gj)));
              }
              add_to(w0 + co, s0);
            }
          }
        }
      }
    }
  }
}
