"""Canopy's benchmark harness: ``make bench`` (bench.run), ``make load`` (bench.load), and the
standalone scripts attach.py and plans.py."""
