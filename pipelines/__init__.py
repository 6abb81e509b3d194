"""Model code shared by the suite's modules: one device policy, models loaded once per process."""
