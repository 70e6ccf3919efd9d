"""Dev-only reference timings for tools/src/bench/dsp-bench.ts: scipy.signal.sosfiltfilt on the
same signal with the same Butterworth designs. Arguments: the signal (raw little-endian float64),
fs, repeats, an output folder, then one design per argument as JSON [order, Wn, btype]. Writes
each output as <out>/<i>.f64 and prints one JSON line {"scipy": version, "times": [s, ...]}
(best of `repeats` per design). Needs Debian's python3-numpy and python3-scipy; the project
itself never needs Python."""
import json
import os
import sys
import time

import numpy as np
import scipy
import scipy.signal as sg


def best(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


x = np.fromfile(sys.argv[1], dtype='<f8')
fs = float(sys.argv[2])
repeat = int(sys.argv[3])
out_dir = sys.argv[4]
times = []
for i, arg in enumerate(sys.argv[5:]):
    order, wn, btype = json.loads(arg)
    sos = sg.butter(order, wn, btype=btype, output='sos', fs=fs)
    t, y = best(lambda: sg.sosfiltfilt(sos, x), repeat)
    times.append(t)
    np.asarray(y, dtype='<f8').tofile(os.path.join(out_dir, f'{i}.f64'))
print(json.dumps({'scipy': scipy.__version__, 'times': times}))
