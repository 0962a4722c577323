"""A map of a city pair: the two cities on a Eurasia outline, joined by their great-circle route.

Drawn as inline SVG on the server (no map tiles, no scripts, nothing fetched from elsewhere), so it works
under the strict CSP and reads the same in every language: only the city names are text.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from mobility.cities.geography import great_circle, great_circle_km

LAND_OUTLINE = Path(__file__).parent / "data" / "land_outline.txt"


@dataclass(frozen=True)
class Frame:
    """An equirectangular view of a lon/lat box, scaled at its middle latitude to keep shapes recognisable."""

    west: float
    east: float
    south: float
    north: float
    width: int = 1000

    @property
    def x_scale(self) -> float:
        return self.width / (self.east - self.west)

    @property
    def y_scale(self) -> float:
        return self.x_scale / math.cos(math.radians((self.north + self.south) / 2))

    @property
    def height(self) -> int:
        return round((self.north - self.south) * self.y_scale)

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.west) * self.x_scale, (self.north - lat) * self.y_scale

    def contains(self, lon: float, lat: float, margin: float = 0) -> bool:
        return (self.west - margin <= lon <= self.east + margin) and (self.south - margin <= lat <= self.north + margin)


# From the Atlantic coast of Europe to Japan: every European Capital of Culture and Culture City of East Asia.
EURASIA = Frame(west=-12, east=148, south=20, north=72)


@cache
def land_outline() -> str:
    return LAND_OUTLINE.read_text().strip()


@dataclass(frozen=True)
class PairMap:
    width: int
    height: int
    land: str
    route: str
    distance_km: int
    cities: list[tuple[float, float, str, str]]  # x, y, name, text-anchor


@lru_cache(maxsize=256)
def _route_path(lon1: float, lat1: float, lon2: float, lat2: float, frame: Frame) -> str:
    """The SVG path of the great circle between two places (a pair's page draws it on every view)."""
    route = great_circle(lon1, lat1, lon2, lat2)
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in (frame.project(lon, lat) for lon, lat in route))


def pair_map(europe_city, east_asia_city, frame: Frame = EURASIA) -> PairMap:
    def xy(city):
        return frame.project(float(city.longitude), float(city.latitude))

    path = _route_path(float(europe_city.longitude), float(europe_city.latitude),
                       float(east_asia_city.longitude), float(east_asia_city.latitude), frame)
    (ex, ey), (ax, ay) = xy(europe_city), xy(east_asia_city)
    return PairMap(width=frame.width, height=frame.height, land=land_outline(), route=path,
                   distance_km=great_circle_km(europe_city, east_asia_city),
                   cities=[(ex, ey, europe_city.display_name(), "start"),
                           (ax, ay, east_asia_city.display_name(), "end")])
