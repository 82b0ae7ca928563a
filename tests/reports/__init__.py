"""The managers' dashboard: figures, drill-down links, charts, the cache, query counts."""
