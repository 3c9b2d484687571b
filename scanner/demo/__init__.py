"""The built-in demo: an Organization seeded on an embedded moto server, scanned like any other."""
