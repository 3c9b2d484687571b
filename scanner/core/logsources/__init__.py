"""Log-source extractors, one module per dataset family (each exports an EXTRACTORS tuple)."""
