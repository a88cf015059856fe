"""Every benchmark in one run, then the ratios side by side.

Run by hand:  pip install micrograd && python benchmarks/run_all.py
(bench_keypress also needs Chromium and JupyterLab, as the browser tests do.)

Each script times the kit against its baseline in the same run, in alternating rounds
(see timing.py); this machine is noisy, so expect the ratios to move by 10-30% between
runs. The README's benchmark section quotes them.
"""

import bench_keypress
import bench_nn
import bench_scalar_mlp
import bench_slider
import bench_vectorized


def main():
    ratios = {}
    for bench in (bench_scalar_mlp, bench_vectorized, bench_nn, bench_slider, bench_keypress):
        print(f"==== {bench.__name__} ====")
        ratios.update(bench.main() or {})
        print()
    print("==== summary ====")
    for label, ratio in ratios.items():
        print(f"  {label:40} {ratio:6.2f}")


if __name__ == "__main__":
    main()
