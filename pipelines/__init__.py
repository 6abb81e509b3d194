"""Model code shared by the suite's modules: one device policy, models loaded once per process."""

import os

# OpenMP threads (torch's, and the BLAS/runtimes built on OpenMP) that finish a parallel region sleep instead
# of spinning. On a shared 2-core machine spinning threads steal the cores the other threads need: embedding
# the sample catalog ran at 6-13 texts/s with spinning and 37-43 texts/s without, at a load average of ~15
# (issue 17). It must be set before the OpenMP runtime loads, i.e. before torch is first imported; every
# model import goes through this package first. An explicit OMP_WAIT_POLICY in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
