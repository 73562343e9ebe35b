"""Version 1 of the simple workflow."""
