"""Benchmarks anyone can rerun: ``python -m bench.locate``, ``python -m bench.admin_import``.

See ``bench/README.md`` for what each measures and the figures measured so far.
"""

__all__: list[str] = []
