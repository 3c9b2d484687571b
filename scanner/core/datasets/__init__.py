"""Typed dataset models and descriptors, one module per AWS service (no boto3 imports here)."""
