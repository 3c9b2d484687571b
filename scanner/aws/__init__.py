"""AWS access, the only boto3 code: sessions, discovery, regions, collection engine, collectors."""
