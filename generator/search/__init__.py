"""Full-text search: driving Pagefind (pagefind.py) and keeping its indexed shards (cache.py)."""
