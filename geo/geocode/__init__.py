"""Geocoding against the registry and the base map: forward, reverse, batch.

Knows nothing of HTTP; functions take a SQLAlchemy connection and return
dataclasses. Coordinates are EPSG:4326 (lon, lat) degrees; distances metres.
"""
