"""postedit: turns machine-translated news into a clean, de-duplicated, reviewable corpus.

A plain library: the Prefect flows in ``flows/`` and the ``postedit`` command call it; it never
imports Prefect itself.
"""

__version__ = "0.1.0"
