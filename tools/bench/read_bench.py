"""Dev-only reference timings for tools/src/bench/datasets-bench.ts: Python's pickle.load + numpy
and scipy.io.loadmat on the same files. Prints one JSON line. Needs Debian's python3-numpy and
python3-scipy; the project itself never needs Python."""
import json
import pickle
import sys
import time

import numpy as np  # noqa: F401  (pickle needs numpy importable)
import scipy.io


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def load_pickle(path):
    with open(path, 'rb') as f:
        d = pickle.load(f, encoding='latin1')
    assert d['data'].dtype == np.float64


def load_mat_c_order(path):
    # what our reader returns: row-major (C order) arrays, not scipy's Fortran-ordered views
    m = scipy.io.loadmat(path)
    for k, v in m.items():
        if isinstance(v, np.ndarray) and v.dtype != object:
            m[k] = np.ascontiguousarray(v)
        elif isinstance(v, np.ndarray):
            for i, item in enumerate(v.flat):
                if isinstance(item, np.ndarray) and item.dtype != object:
                    v.flat[i] = np.ascontiguousarray(item)


out = {}
for kind, path in zip(sys.argv[1::2], sys.argv[2::2]):
    if kind == 'pickle':
        out[path] = best(lambda: load_pickle(path))
    else:
        out[path] = best(lambda: scipy.io.loadmat(path))
        out[path + ':C'] = best(lambda: load_mat_c_order(path))
print(json.dumps(out))
