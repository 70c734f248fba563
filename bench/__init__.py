"""Canopy's benchmark harness: ``make bench`` (bench.run, serving bench.app: Canopy with the
floors of bench.floors), ``make load`` (bench.load), ``make profile`` (bench.profile), and the
standalone scripts attach.py and plans.py."""
