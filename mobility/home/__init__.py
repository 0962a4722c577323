"""The landing page: the paired cities, and the way in for each role."""
