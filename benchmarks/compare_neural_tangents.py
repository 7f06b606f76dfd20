"""ntkbench's exact kernels side by side with neural-tangents, and under a competing busy process.

Workloads (issue #16): ``fc``: the FC ReLU NTK Gram matrix, n × 90 inputs, depth 3, float64;
``cntk``: CNTK-GAP of image pairs, 32×32×3, 4×4 VALID filters, depth 3, float32 (ms per pair);
``sketch``: ``CNTKSketch`` features of 32×32×3 images, n_components 4096, float32 (s per image).
neural-tangents (jit, warm) runs in its own process (``--nt-python``, a venv with jax and
neural-tangents: never jax and torch in one process); without it ntkbench is reported alone.
Runs alternate (A, B, A, B, ...); the table gives median and minimum wall time, the median CPU
time of the process (all its threads) and the load average.

    python benchmarks/compare_neural_tangents.py --nt-python /work/ntvenv/bin/python
    python benchmarks/compare_neural_tangents.py --busy 1 --threads default,1,2 --workloads fc,cntk,sketch
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

D, DEPTH, SIDE, FILTER = 90, 3, 32, 4


def fc_inputs(n: int):
    import numpy as np
    return np.random.default_rng(0).standard_normal((n, D))


def images(n: int, seed: int):
    import numpy as np
    return np.random.default_rng(seed).standard_normal((n, 3, SIDE, SIDE)).astype(np.float32)


# ---------------------------------------------------------------- neural-tangents (worker process)

def nt_worker() -> None:
    """Read workload lines on stdin, answer one JSON line each: seconds of one warm jit run."""
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from neural_tangents import stax

    fns = {}
    for line in sys.stdin:
        name, size = line.split()
        size = int(size)
        if (name, size) not in fns:
            if name == "fc":
                _, _, kfn = stax.serial(stax.Dense(512, W_std=math.sqrt(D)), stax.Relu(),
                                        *[stax.Dense(512, W_std=math.sqrt(2.0)), stax.Relu()] * (DEPTH - 1),
                                        stax.Dense(1, W_std=math.sqrt(2.0)))
                args = (jnp.asarray(fc_inputs(size)), None)
            else:
                _, _, kfn = stax.serial(*[stax.Conv(256, (FILTER, FILTER), padding="VALID", W_std=math.sqrt(2.0)),
                                          stax.Relu()] * DEPTH, stax.GlobalAvgPool(), stax.Dense(1))
                args = tuple(jnp.asarray(images(size, s).transpose(0, 2, 3, 1)) for s in (0, 1))
            kfn = jax.jit(kfn, static_argnames="get")
            kfn(*args, get="ntk").block_until_ready()
            fns[name, size] = (kfn, args)
        kfn, args = fns[name, size]
        start, cpu = time.perf_counter(), time.process_time()
        out = kfn(*args, get="ntk").block_until_ready()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(json.dumps({"seconds": seconds, "cpu": cpu, "first": float(out.ravel()[0])}), flush=True)


class NeuralTangents:
    def __init__(self, python: str) -> None:
        self.proc = subprocess.Popen([python, __file__, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)

    def run(self, name: str, size: int) -> tuple[float, float]:
        """Wall and CPU seconds of one run in the worker."""
        self.proc.stdin.write(f"{name} {size}\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        return answer["seconds"], answer["cpu"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


# ---------------------------------------------------------------- ntkbench (this process)

def ours(name: str, size: int, threads: int | None):
    """A function running one workload with ``threads`` (None: the default rule)."""
    import torch
    from ntkbench.features import CNTKSketch
    from ntkbench.kernels import cntk_kernel, fc_kernel
    from ntkbench.threads import torch_threads

    if name == "fc":
        x = fc_inputs(size)
        return lambda: fc_kernel(x, depth=DEPTH, threads=threads)
    if name == "cntk":
        a, b = images(size, 0), images(size, 1)
        return lambda: cntk_kernel(a, b, depth=DEPTH, filter_size=FILTER, padding="valid", fix_first_last=True,
                                   dtype=torch.float32, threads=threads)
    x = images(size, 0)
    sketch = CNTKSketch(4096, depth=DEPTH, filter_size=FILTER, padding="valid", random_state=0).fit(x)

    def run():
        if threads is None:
            sketch.transform(x)
        else:
            os.environ["NTKBENCH_THREADS"] = str(threads)
            try:
                with torch_threads(threads):
                    sketch.transform(x)
            finally:
                del os.environ["NTKBENCH_THREADS"]
    return run


UNITS = {"fc": (1.0, "s"), "cntk": (1e3, "ms/pair"), "sketch": (1.0, "s/image")}


def per_unit(name: str, size: int, seconds: float) -> float:
    count = {"fc": 1, "cntk": size * size, "sketch": size}[name]
    return seconds / count * UNITS[name][0]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--nt-python", help="python of a venv with neural-tangents (skipped when absent)")
    p.add_argument("--workloads", default="fc,cntk")
    p.add_argument("--n", type=int, default=4000, help="FC inputs")
    p.add_argument("--pairs-side", type=int, default=4, help="CNTK: images per side (side² pairs)")
    p.add_argument("--nt-pairs-side", type=int, default=2, help="CNTK pairs per side for neural-tangents")
    p.add_argument("--sketch-images", type=int, default=8)
    p.add_argument("--threads", default="default", help="ntkbench thread counts, e.g. default,1,2")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--busy", type=int, default=0, help="busy-loop processes to run alongside")
    args = p.parse_args()
    if args.worker:
        return nt_worker()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    nt = NeuralTangents(args.nt_python) if args.nt_python and os.path.exists(args.nt_python) else None
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    sizes = {"fc": args.n, "cntk": args.pairs_side, "sketch": args.sketch_images}
    try:
        print(f"load before: {open('/proc/loadavg').read().strip()}; busy processes: {args.busy}")
        for name in args.workloads.split(","):
            size = sizes[name]
            arms = {f"ntkbench threads={t}": ours(name, size, None if t == "default" else int(t))
                    for t in args.threads.split(",")}
            if nt is not None and name != "sketch":
                nt_size = args.nt_pairs_side if name == "cntk" else size
                arms["neural-tangents"] = lambda s=nt_size: nt.run(name, s)
            times = {arm: [] for arm in arms}
            cpus = {arm: [] for arm in arms}
            for fn in arms.values():                       # warm-up (jit, caches), not timed
                fn()
            for _ in range(args.repeat):
                for arm, fn in arms.items():
                    start, cpu = time.perf_counter(), time.process_time()
                    got = fn()
                    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
                    if arm == "neural-tangents":
                        seconds, cpu = got
                    unit_size = args.nt_pairs_side if (arm == "neural-tangents" and name == "cntk") else size
                    times[arm].append(per_unit(name, unit_size, seconds))
                    cpus[arm].append(per_unit(name, unit_size, cpu))
            print(f"\n{name} (size {size}), {UNITS[name][1]}, {args.repeat} interleaved runs")
            base = statistics.median(times[next(iter(times))])
            for arm, ts in times.items():
                med = statistics.median(ts)
                print(f"  {arm:28s} median {med:9.4f}  min {min(ts):9.4f}  (median / first arm {med / base:5.2f})"
                      f"  CPU time median {statistics.median(cpus[arm]):9.4f}")
        print(f"\nload after: {open('/proc/loadavg').read().strip()}")
    finally:
        for proc in busy:
            proc.kill()
        if nt is not None:
            nt.close()


if __name__ == "__main__":
    main()
