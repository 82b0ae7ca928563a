"""The benchmark harness still runs (bench/run.py at a tiny size)."""
