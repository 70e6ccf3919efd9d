/*
 * The Node-API face of the native kernels (see kernels.h): each function takes the heap (a
 * WebAssembly memory's ArrayBuffer) and integers (byte offsets into it, then sizes), checks that
 * every tensor lies inside the heap and the sizes are ones the kernels take, and throws a named
 * error otherwise. Also exports `supported` (AVX2 and FMA on this CPU) and `source`.
 */
#define NAPI_VERSION 8
#include <stdio.h>
#include <node_api.h>
#include "kernels.h"

#ifndef EMO_SOURCE_SHA256
#error "build with -DEMO_SOURCE_SHA256=\"<sha256 of the sources>\" (see build.sh)"
#endif

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

/*
 * The sizes of a pooling or a depthwise convolution (N, H, W, C, Ho, Wo, fh, fw, sh, sw, top,
 * left): window and strides at least 1, C % 8 == 0. Throws, naming `what`, when not.
 */
static int window_sizes_ok(napi_env env, const int *z, const char *what) {
  if (z[6] >= 1 && z[7] >= 1 && z[8] >= 1 && z[9] >= 1 && z[3] % 8 == 0) return 1;
  char message[120];
  snprintf(message, sizeof message,
           "native kernel: %s needs fh, fw, sh, sw >= 1 and C %% 8 == 0", what);
  napi_throw_range_error(env, "EMO_NATIVE_ARGS", message);
  return 0;
}

/* depthwiseConv2d(heap, x, w, y, N, H, W, C, Ho, Wo, kh, kw, sh, sw, top, left) */
static napi_value js_depthwise_conv2d(napi_env env, napi_callback_info info) {
  int v[15];
  char *heap = heap_and_ints(env, info, 15, v);
  if (!heap) return NULL;
  const int *z = v + 3; /* a window's sizes, as a pooling's */
  if (!window_sizes_ok(env, z, "depthwise")) return NULL;
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


/* maxPool(heap, x, y, N, H, W, C, Ho, Wo, fh, fw, sh, sw, top, left) */
static napi_value js_max_pool(napi_env env, napi_callback_info info) {
  int v[14];
  char *heap = heap_and_ints(env, info, 14, v);
  if (!heap || !window_sizes_ok(env, v + 2, "pooling") ||
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
  if (!heap || !window_sizes_ok(env, v + 3, "pooling") ||
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
