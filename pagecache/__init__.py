"""Full-page cache for anonymous visitors, invalidated by generations (docs/performance.md)."""
