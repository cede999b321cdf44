"""Planning: the site model to output files with fingerprints (theme, views, feeds)."""
