/*
 * The whole LSTM layer of @emo/model's FusedLstm, forward and backward, compiled to WebAssembly
 * with SIMD (build.sh; the binary is shipped as lstm-wasm.ts, so nothing is compiled at install
 * time).
 *
 * Gates as tfjs-layers' LSTMCell (and Keras, PyTorch): z = x_t·W + h_{t−1}·R + b, 4U wide, in
 * blocks i, f, g, o of U columns; i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o);
 * c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t); h_{−1} = c_{−1} = 0.
 *
 * Layouts are batch-major, as tfjs holds them: x, dx [B][T][I]; gates, dz [B][T][4U]; c, h, dh
 * [B][T][U]; W [I][4U], R [U][4U]. U must be a multiple of 4 (recurrence.ts pads other sizes
 * with inert units). The products are a small SIMD GEMM (4 × 8 register tiles) and rank-4
 * updates for the weight gradients.
 *
 * Backward (BPTT), for t = T−1 … 0, with dh the gradient reaching h_t (from above and from t+1):
 *   do = dh ⊙ tanh(c_t) ⊙ o(1−o);     dc = dc_next + dh ⊙ o ⊙ (1 − tanh²(c_t))
 *   di = dc ⊙ g ⊙ i(1−i);  df = dc ⊙ c_{t−1} ⊙ f(1−f);  dg = dc ⊙ i ⊙ (1−g²)
 *   dc_next = dc ⊙ f;      dh_next = dz_t · Rᵀ;          dR += h_{t−1}ᵀ · dz_t
 * then, over all rows, dx = dz · Wᵀ, dW = xᵀ · dz, db = Σ dz.
 */
#include <wasm_simd128.h>

typedef float f32;

/*
 * exp, σ and tanh four lanes at a time, without libc: exp by Cephes' range reduction
 * (x = n·ln2 + r, ln2 in two parts) and its degree-6 polynomial for e^r, scaled by 2^n through
 * the exponent bits (relative error ~1e-7); tanh x = 1 − 2/(e^{2|x|} + 1), or its Taylor series
 * below |x| = 1/16, where that form would lose the relative precision.
 */

static inline v128_t exp4(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-88.0f)), wasm_f32x4_splat(88.0f));
  v128_t n = wasm_f32x4_floor(
      wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)),
                     wasm_f32x4_splat(0.5f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_add(r, wasm_f32x4_mul(n, wasm_f32x4_splat(2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r),
                     wasm_f32x4_splat(1.0f));
  v128_t scale = wasm_i32x4_shl(
      wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, scale);
}

static inline v128_t sigmoid4(v128_t x) {
  v128_t one = wasm_f32x4_splat(1.0f);
  return wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(x))));
}

static inline v128_t tanh4(v128_t x) {
  v128_t a = wasm_f32x4_abs(x);
  v128_t one = wasm_f32x4_splat(1.0f);
  v128_t x2 = wasm_f32x4_mul(a, a);
  v128_t q = wasm_f32x4_sub(wasm_f32x4_splat(0.133333333f),
                            wasm_f32x4_mul(x2, wasm_f32x4_splat(0.053968254f)));
  q = wasm_f32x4_add(wasm_f32x4_splat(-0.333333333f), wasm_f32x4_mul(x2, q));
  v128_t small = wasm_f32x4_mul(a, wasm_f32x4_add(one, wasm_f32x4_mul(x2, q)));
  v128_t large = wasm_f32x4_sub(
      one, wasm_f32x4_div(wasm_f32x4_splat(2.0f),
                          wasm_f32x4_add(exp4(wasm_f32x4_add(a, a)), one)));
  v128_t t = wasm_v128_bitselect(small, large, wasm_f32x4_lt(a, wasm_f32x4_splat(0.0625f)));
  /* the sign of x back on */
  return wasm_v128_or(t, wasm_v128_and(x, wasm_f32x4_splat(-0.0f)));
}

/* ---- C[M×N] += A[M×K] · B[K×N] with leading dimensions ---- */

static void gemm_acc(int M, int N, int K, const f32 *A, int lda, const f32 *B, int ldb, f32 *C,
                     int ldc) {
  int i = 0;
  for (; i + 4 <= M; i += 4) {
    const f32 *a0 = A + (i + 0) * lda, *a1 = A + (i + 1) * lda;
    const f32 *a2 = A + (i + 2) * lda, *a3 = A + (i + 3) * lda;
    f32 *c0 = C + (i + 0) * ldc, *c1 = C + (i + 1) * ldc;
    f32 *c2 = C + (i + 2) * ldc, *c3 = C + (i + 3) * ldc;
    int j = 0;
    for (; j + 8 <= N; j += 8) {
      v128_t s00 = wasm_v128_load(c0 + j), s01 = wasm_v128_load(c0 + j + 4);
      v128_t s10 = wasm_v128_load(c1 + j), s11 = wasm_v128_load(c1 + j + 4);
      v128_t s20 = wasm_v128_load(c2 + j), s21 = wasm_v128_load(c2 + j + 4);
      v128_t s30 = wasm_v128_load(c3 + j), s31 = wasm_v128_load(c3 + j + 4);
      for (int k = 0; k < K; k++) {
        const f32 *b = B + k * ldb + j;
        v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t x0 = wasm_f32x4_splat(a0[k]), x1 = wasm_f32x4_splat(a1[k]);
        v128_t x2 = wasm_f32x4_splat(a2[k]), x3 = wasm_f32x4_splat(a3[k]);
        s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x0, b0));
        s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x0, b1));
        s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(x1, b0));
        s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(x1, b1));
        s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(x2, b0));
        s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(x2, b1));
        s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(x3, b0));
        s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(x3, b1));
      }
      wasm_v128_store(c0 + j, s00); wasm_v128_store(c0 + j + 4, s01);
      wasm_v128_store(c1 + j, s10); wasm_v128_store(c1 + j + 4, s11);
      wasm_v128_store(c2 + j, s20); wasm_v128_store(c2 + j + 4, s21);
      wasm_v128_store(c3 + j, s30); wasm_v128_store(c3 + j + 4, s31);
    }
    for (; j + 4 <= N; j += 4) {
      v128_t s0 = wasm_v128_load(c0 + j), s1 = wasm_v128_load(c1 + j);
      v128_t s2 = wasm_v128_load(c2 + j), s3 = wasm_v128_load(c3 + j);
      for (int k = 0; k < K; k++) {
        v128_t b0 = wasm_v128_load(B + k * ldb + j);
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_f32x4_splat(a0[k]), b0));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_f32x4_splat(a1[k]), b0));
        s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_f32x4_splat(a2[k]), b0));
        s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_f32x4_splat(a3[k]), b0));
      }
      wasm_v128_store(c0 + j, s0); wasm_v128_store(c1 + j, s1);
      wasm_v128_store(c2 + j, s2); wasm_v128_store(c3 + j, s3);
    }
    for (; j < N; j++) {
      f32 s0 = c0[j], s1 = c1[j], s2 = c2[j], s3 = c3[j];
      for (int k = 0; k < K; k++) {
        f32 b0 = B[k * ldb + j];
        s0 += a0[k] * b0; s1 += a1[k] * b0; s2 += a2[k] * b0; s3 += a3[k] * b0;
      }
      c0[j] = s0; c1[j] = s1; c2[j] = s2; c3[j] = s3;
    }
  }
  for (; i < M; i++) {
    const f32 *a = A + i * lda;
    f32 *c = C + i * ldc;
    int j = 0;
    for (; j + 4 <= N; j += 4) {
      v128_t s = wasm_v128_load(c + j);
      for (int k = 0; k < K; k++) {
        s = wasm_f32x4_add(s, wasm_f32x4_mul(wasm_f32x4_splat(a[k]), wasm_v128_load(B + k * ldb + j)));
      }
      wasm_v128_store(c + j, s);
    }
    for (; j < N; j++) {
      f32 s = c[j];
      for (int k = 0; k < K; k++) s += a[k] * B[k * ldb + j];
      c[j] = s;
    }
  }
}

/*
 * D[K×N] += Σ_r X[r][k] · Z[r][j] over `rows` rows (X row r at X + r·ldx, Z row r at Z + r·ldz;
 * N a multiple of 4): rank-4 updates, so that D is loaded and stored once per four rows.
 */
static void rank_update(int rows, int K, int N, const f32 *X, int ldx, const f32 *Z, int ldz,
                        f32 *D) {
  int r = 0;
  for (; r + 4 <= rows; r += 4) {
    const f32 *x0 = X + r * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
    const f32 *z0 = Z + r * ldz, *z1 = z0 + ldz, *z2 = z1 + ldz, *z3 = z2 + ldz;
    for (int k = 0; k < K; k++) {
      v128_t a0 = wasm_f32x4_splat(x0[k]), a1 = wasm_f32x4_splat(x1[k]);
      v128_t a2 = wasm_f32x4_splat(x2[k]), a3 = wasm_f32x4_splat(x3[k]);
      f32 *d = D + k * N;
      for (int j = 0; j < N; j += 4) {
        v128_t s = wasm_f32x4_add(wasm_f32x4_mul(a0, wasm_v128_load(z0 + j)),
                                  wasm_f32x4_mul(a1, wasm_v128_load(z1 + j)));
        s = wasm_f32x4_add(s, wasm_f32x4_add(wasm_f32x4_mul(a2, wasm_v128_load(z2 + j)),
                                             wasm_f32x4_mul(a3, wasm_v128_load(z3 + j))));
        wasm_v128_store(d + j, wasm_f32x4_add(wasm_v128_load(d + j), s));
      }
    }
  }
  for (; r < rows; r++) {
    const f32 *x0 = X + r * ldx, *z0 = Z + r * ldz;
    for (int k = 0; k < K; k++) {
      v128_t a0 = wasm_f32x4_splat(x0[k]);
      f32 *d = D + k * N;
      for (int j = 0; j < N; j += 4) {
        wasm_v128_store(d + j, wasm_f32x4_add(wasm_v128_load(d + j),
                                              wasm_f32x4_mul(a0, wasm_v128_load(z0 + j))));
      }
    }
  }
}

/*
 * Forward. gates receives the activated i, f, g, o (kept for the backward pass), c and h
 * [B][T][U] the cell and hidden states of every step.
 */
__attribute__((export_name("lstm_forward"))) void lstm_forward(int T, int B, int I, int U,
                                                               const f32 *x, const f32 *W,
                                                               const f32 *bias, const f32 *R,
                                                               f32 *gates, f32 *c, f32 *h) {
  const int G = 4 * U;
  /* x·W + b for every row at once */
  for (int r = 0; r < B * T; r++) {
    for (int j = 0; j < G; j += 4) wasm_v128_store(gates + r * G + j, wasm_v128_load(bias + j));
  }
  gemm_acc(B * T, G, I, x, I, W, G, gates, G);
  for (int t = 0; t < T; t++) {
    if (t > 0) gemm_acc(B, G, U, h + (t - 1) * U, T * U, R, G, gates + t * G, T * G);
    for (int b = 0; b < B; b++) {
      f32 *gr = gates + (b * T + t) * G;
      const f32 *cp = t > 0 ? c + (b * T + t - 1) * U : 0;
      f32 *cr = c + (b * T + t) * U;
      f32 *hr = h + (b * T + t) * U;
      for (int u = 0; u < U; u += 4) {
        v128_t i = sigmoid4(wasm_v128_load(gr + u));
        v128_t f = sigmoid4(wasm_v128_load(gr + U + u));
        v128_t g = tanh4(wasm_v128_load(gr + 2 * U + u));
        v128_t o = sigmoid4(wasm_v128_load(gr + 3 * U + u));
        wasm_v128_store(gr + u, i);
        wasm_v128_store(gr + U + u, f);
        wasm_v128_store(gr + 2 * U + u, g);
        wasm_v128_store(gr + 3 * U + u, o);
        v128_t cc = wasm_f32x4_mul(i, g);
        if (cp) cc = wasm_f32x4_add(wasm_f32x4_mul(f, wasm_v128_load(cp + u)), cc);
        wasm_v128_store(cr + u, cc);
        wasm_v128_store(hr + u, wasm_f32x4_mul(o, tanh4(cc)));
      }
    }
  }
}

/*
 * Backward. dh [B][T][U]: the loss's gradient with respect to every h_t (zero where a step's
 * output is not used). Writes dx [B][T][I], dW [I][4U], db [4U] and dR [U][4U]; dz [B][T][4U]
 * (the pre-activations' gradient) and scratch (2·B·U + 4U·U + 4U·I floats) are work space.
 */
__attribute__((export_name("lstm_backward"))) void lstm_backward(
    int T, int B, int I, int U, const f32 *x, const f32 *W, const f32 *R, const f32 *gates,
    const f32 *c, const f32 *h, const f32 *dh, f32 *dz, f32 *dx, f32 *dW, f32 *db, f32 *dR,
    f32 *scratch) {
  const int G = 4 * U;
  f32 *dhNext = scratch;         /* [B][U] */
  f32 *dcNext = scratch + B * U; /* [B][U] */
  f32 *RT = scratch + 2 * B * U; /* [4U][U] */
  for (int k = 0; k < B * U; k++) dhNext[k] = dcNext[k] = 0.0f;
  for (int k = 0; k < U * G; k++) dR[k] = 0.0f;
  for (int u = 0; u < U; u++)
    for (int j = 0; j < G; j++) RT[j * U + u] = R[u * G + j];
  for (int t = T - 1; t >= 0; t--) {
    for (int b = 0; b < B; b++) {
      const f32 *gr = gates + (b * T + t) * G;
      const f32 *cr = c + (b * T + t) * U;
      const f32 *cp = t > 0 ? c + (b * T + t - 1) * U : 0;
      const f32 *dhr = dh + (b * T + t) * U;
      f32 *dzr = dz + (b * T + t) * G;
      f32 *dhn = dhNext + b * U, *dcn = dcNext + b * U;
      const v128_t one = wasm_f32x4_splat(1.0f);
      for (int u = 0; u < U; u += 4) {
        v128_t i = wasm_v128_load(gr + u), f = wasm_v128_load(gr + U + u);
        v128_t g = wasm_v128_load(gr + 2 * U + u), o = wasm_v128_load(gr + 3 * U + u);
        v128_t tc = tanh4(wasm_v128_load(cr + u));
        v128_t d = wasm_f32x4_add(wasm_v128_load(dhr + u), wasm_v128_load(dhn + u));
        v128_t dc = wasm_f32x4_add(
            wasm_v128_load(dcn + u),
            wasm_f32x4_mul(wasm_f32x4_mul(d, o), wasm_f32x4_sub(one, wasm_f32x4_mul(tc, tc))));
        wasm_v128_store(dzr + u, wasm_f32x4_mul(wasm_f32x4_mul(dc, g),
                                                wasm_f32x4_mul(i, wasm_f32x4_sub(one, i))));
        v128_t df = cp ? wasm_f32x4_mul(wasm_f32x4_mul(dc, wasm_v128_load(cp + u)),
                                        wasm_f32x4_mul(f, wasm_f32x4_sub(one, f)))
                       : wasm_f32x4_splat(0.0f);
        wasm_v128_store(dzr + U + u, df);
        wasm_v128_store(dzr + 2 * U + u,
                        wasm_f32x4_mul(wasm_f32x4_mul(dc, i), wasm_f32x4_sub(one, wasm_f32x4_mul(g, g))));
        wasm_v128_store(dzr + 3 * U + u, wasm_f32x4_mul(wasm_f32x4_mul(d, tc),
                                                        wasm_f32x4_mul(o, wasm_f32x4_sub(one, o))));
        wasm_v128_store(dcn + u, wasm_f32x4_mul(dc, f));
      }
    }
    if (t > 0) {
      for (int k = 0; k < B * U; k++) dhNext[k] = 0.0f;
      gemm_acc(B, U, G, dz + t * G, T * G, RT, U, dhNext, U);
      /* dR += h_{t−1}ᵀ · dz_t (rows: the batch) */
      rank_update(B, U, G, h + (t - 1) * U, T * U, dz + t * G, T * G, dR);
    }
  }
  /* dx = dz · Wᵀ, dW = xᵀ · dz, db = Σ dz over all rows */
  f32 *WT = RT + G * U; /* [4U][I] */
  for (int i = 0; i < I; i++)
    for (int j = 0; j < G; j++) WT[j * I + i] = W[i * G + j];
  for (int k = 0; k < B * T * I; k++) dx[k] = 0.0f;
  gemm_acc(B * T, I, G, dz, G, WT, I, dx, I);
  for (int k = 0; k < I * G; k++) dW[k] = 0.0f;
  rank_update(B * T, I, G, x, I, dz, G, dW);
  for (int j = 0; j < G; j += 4) {
    v128_t s = wasm_f32x4_splat(0.0f);
    for (int r = 0; r < B * T; r++) s = wasm_f32x4_add(s, wasm_v128_load(dz + r * G + j));
    wasm_v128_store(db + j, s);
  }
}
