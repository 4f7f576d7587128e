"""Benchmarks. Each public module ``bench/<name>.py`` defines ``main()``, prints its figures
and the ratio to a baseline measured in the same run; ``python -m bench`` runs them all."""
