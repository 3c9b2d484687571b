"""Jinja2 templates for the HTML report (shipped in the wheel)."""
