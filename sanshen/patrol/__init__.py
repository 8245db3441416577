"""Patrol (巡检): crawl registered sites and find dead links, stale columns, content errors and tampering.

Pure library like the engine: no Django import. The platform drives it through `sanshen.sites`.
"""
