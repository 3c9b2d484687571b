"""Publishing results to AWS: Security Hub import, S3 upload and history, KMS manifest signing."""
