"""Reads and writes behind Sentry's Replays API for one replay and around it (issue 13, items
4, 6, 7): finding a replay (or its archive after a delete), its clicks, tag keys and values,
replay counts, dead/rage selectors and who viewed it. Every function takes the environments the
caller may see (the tenancy mixin resolved them); none widens them.
"""
