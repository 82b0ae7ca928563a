"""Benchmarks of the tracker at 100× the summit: `python bench/run.py --agreements 20000`.

Not part of `make test` (tests/test_bench_smoke.py runs a tiny version so it cannot rot).
"""
