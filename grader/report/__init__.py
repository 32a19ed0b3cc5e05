"""Reports: each format is `render(report, ...) -> str`, built from results only."""
