"""Real time: CloudTrail API-call events -> affected datasets and checks, and the Lambda handler."""
