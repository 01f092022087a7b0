"""Prefect flows over the postedit library. Flows stay thin: each task is one library call."""
