"""Report writers: JSON, ASFF, HTML."""
