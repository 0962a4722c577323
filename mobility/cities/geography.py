"""Distances and routes on the sphere between cities (what travel bands and maps are drawn from)."""
from __future__ import annotations

import math

from mobility.cities.models import City

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def great_circle_km(a: City, b: City) -> int:
    """Haversine distance, rounded down to whole kilometres (bands are whole kilometres too)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (float(a.latitude), float(a.longitude),
                                                float(b.latitude), float(b.longitude)))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return int(2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h)))


def great_circle(lon1: float, lat1: float, lon2: float, lat2: float, steps: int = 48) -> list[tuple[float, float]]:
    """Points (lon, lat) along the shortest route on the sphere: what a flight roughly follows."""
    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    a = (math.cos(p1) * math.cos(l1), math.cos(p1) * math.sin(l1), math.sin(p1))
    b = (math.cos(p2) * math.cos(l2), math.cos(p2) * math.sin(l2), math.sin(p2))
    omega = math.acos(max(-1.0, min(1.0, sum(x * y for x, y in zip(a, b)))))
    if omega == 0:
        return [(lon1, lat1), (lon2, lat2)]
    points = []
    for i in range(steps + 1):
        t = i / steps
        k1, k2 = math.sin((1 - t) * omega) / math.sin(omega), math.sin(t * omega) / math.sin(omega)
        x, y, z = (k1 * u + k2 * v for u, v in zip(a, b))
        points.append((math.degrees(math.atan2(y, x)), math.degrees(math.atan2(z, math.hypot(x, y)))))
    return points
