"""postedit: turns machine-translated news into a clean, de-duplicated, reviewable corpus.

A plain library: the Prefect flows in ``flows/`` and the ``postedit`` command call it; it never
imports Prefect itself.
"""

import os

# numpy's OpenBLAS starts a thread per core, which spin after each product: the products asked
# here (a language guess's) are small, and the spinning cost more CPU than they save. One
# thread, unless the environment says otherwise (numpy must not have been imported first).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
