"""Northstar Suite: five AI business modules behind one dashboard, one store and one command line."""

__version__ = "0.1.0"
