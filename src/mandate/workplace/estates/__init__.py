"""Estates (issue 18): desks and spaces with their attributes, booking and check-in, occupancy against desks,
and the desks-needed and anchor-day planners as pages. Models are imported from workplace/models.py."""
