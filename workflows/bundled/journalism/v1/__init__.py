"""Version 1 of the journalism workflow."""
