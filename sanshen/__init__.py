"""Sanshen (三审): content checks and publication review for government websites and new media."""

__version__ = "0.1.0"
