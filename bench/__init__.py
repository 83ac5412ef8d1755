"""Benchmarks: `python -m bench.fill` loads synthetic content, `python -m bench.run` measures.

See docs/performance.md. These print numbers; they are not tests.
"""
