"""Evaluating claims at scale on an existing engine (Dask), one partition of a data set per task."""
