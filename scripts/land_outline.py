"""Write the land outline behind the pair maps (mobility/cities/data/land_outline.txt).

The source is Natural Earth's 1:110m land (public domain), as packaged by the npm module world-atlas:

    npm install world-atlas@2 topojson-client@3
    node -e 'const t=require("topojson-client"),l=require("world-atlas/land-110m.json");
             process.stdout.write(JSON.stringify(t.feature(l,l.objects.land)))' > land.geojson
    python scripts/land_outline.py land.geojson

The outline is one SVG path in the projection of `mobility.cities.maps` (imported, so they cannot disagree).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mobility.cities.maps import EURASIA  # noqa: E402

OUTPUT = Path(__file__).resolve().parent.parent / "mobility" / "cities" / "data" / "land_outline.txt"


def rings(geometry: dict):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        yield from polygon


def main(path: str) -> None:
    collection = json.loads(Path(path).read_text())
    features = collection["features"] if collection["type"] == "FeatureCollection" else [collection]
    parts = []
    for feature in features:
        for ring in rings(feature["geometry"]):
            if not any(EURASIA.contains(lon, lat, margin=10) for lon, lat in ring):
                continue
            points = []
            for lon, lat in ring:
                x, y = EURASIA.project(lon, lat)
                point = f"{x:.0f} {y:.0f}"
                if not points or points[-1] != point:
                    points.append(point)
            if len(points) >= 3:
                parts.append("M" + "L".join(points) + "Z")
    OUTPUT.write_text("".join(parts) + "\n")
    print(f"{OUTPUT}: {len(parts)} rings, {OUTPUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
