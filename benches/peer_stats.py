#!/usr/bin/env python3
"""The peer pipeline for `parcelview stats FILE --by-field FIELD --format json`.

What a planner would otherwise script: GDAL reads the file (pyogrio), PROJ's
GeographicLib port measures every parcel on the WGS84 ellipsoid (pyproj.Geod),
and pandas sums the areas by the field's values. benches/process.rs runs it beside
the binary, in the same run, so its times are read as a ratio.

Usage: peer_stats.py FILE FIELD
Needs: pip install pyogrio pyproj pandas
"""

import json
import struct
import sys

import numpy as np
import pandas as pd
import pyogrio
from pyproj import Geod


def rings_of(wkb):
    """The rings of a Polygon or MultiPolygon WKB as (lon, lat) arrays, each
    with whether it is an exterior ring."""
    order = "<" if wkb[0] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", wkb, 1)
    kind %= 1000
    offset = 5
    if kind == 3:
        polygons = 1
        nested = False
    elif kind == 6:
        (polygons,) = struct.unpack_from(order + "I", wkb, offset)
        offset += 4
        nested = True
    else:
        return []
    out = []
    for _ in range(polygons):
        if nested:
            offset += 5  # the member polygon's own byte order and type
        (nrings,) = struct.unpack_from(order + "I", wkb, offset)
        offset += 4
        for r in range(nrings):
            (npoints,) = struct.unpack_from(order + "I", wkb, offset)
            offset += 4
            xy = np.frombuffer(wkb, dtype=order + "f8", count=2 * npoints, offset=offset)
            offset += 16 * npoints
            out.append((xy[0::2], xy[1::2], r == 0))
    return out


def main():
    path, field = sys.argv[1], sys.argv[2]
    _meta, _fids, geometry, field_data = pyogrio.raw.read(path, columns=[field])
    geod = Geod(ellps="WGS84")
    areas = np.zeros(len(geometry))
    for i, wkb in enumerate(geometry):
        if wkb is None:
            continue
        total = 0.0
        for lons, lats, exterior in rings_of(wkb):
            area, _perimeter = geod.polygon_area_perimeter(lons, lats)
            total += abs(area) if exterior else -abs(area)
        areas[i] = max(total, 0.0)
    frame = pd.DataFrame({"value": field_data[0], "area_m2": areas})
    groups = frame.groupby("value", dropna=False).agg(
        count=("area_m2", "size"), area_m2=("area_m2", "sum")
    )
    rows = [
        {"value": str(k), "count": int(r["count"]), "area_m2": float(r["area_m2"])}
        for k, r in groups.sort_index().iterrows()
    ]
    total = float(areas.sum())
    print(json.dumps({"field": field, "rows": rows, "total_area_m2": total}, ensure_ascii=False))


if __name__ == "__main__":
    main()
