"""trailwatch: logging and monitoring posture scanner for AWS Organizations."""

__version__ = "0.1.0"
