"""Use cases (scan, merge, import, watch, verify, demo) and the `trailwatch` command line."""
