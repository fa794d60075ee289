#!/usr/bin/env python3
"""Makes the format fixtures of tests/all/formats.rs with GDAL's ogr2ogr (gdal-bin),
from parcels.geojson (made here from the bundled district, with one parcel given a
hole and one a code with a leading zero). The product never uses GDAL; the files
are committed so that `cargo test` needs only Rust. Run from this folder:
`python3 make_fixtures.py`."""
import json, os, shutil, subprocess, zipfile

def run(*args):
    subprocess.run(args, check=True)

def clean(stem):
    for ext in ("shp", "shx", "dbf", "prj", "cpg"):
        if os.path.exists(f"{stem}.{ext}"):
            os.remove(f"{stem}.{ext}")

src = json.load(open("../../../maps/parcels.geojson", encoding="utf-8"))
polys = [f for f in src["features"] if f["geometry"]["type"] == "Polygon"][:30]
multis = [f for f in src["features"] if f["geometry"]["type"] == "MultiPolygon"][:2]
features = polys + multis
# A courtyard: a hole a third the width of a four-cornered parcel, in its middle.
holed = next(k for k, f in enumerate(features) if len(f["geometry"]["coordinates"][0]) == 5 and k > 4)
ring = features[holed]["geometry"]["coordinates"][0]
xs = [p[0] for p in ring]; ys = [p[1] for p in ring]
cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
dx, dy = (max(xs) - min(xs)) / 6, (max(ys) - min(ys)) / 6
features[holed]["geometry"]["coordinates"].append(
    [[cx - dx, cy - dy], [cx - dx, cy + dy], [cx + dx, cy + dy], [cx + dx, cy - dy], [cx - dx, cy - dy]])
features[4]["properties"]["用地代码"] = "070102"
out = {"type": "FeatureCollection", "name": "parcels", "features": features}
with open("parcels.geojson", "w", encoding="utf-8") as f:
    f.write('{"type":"FeatureCollection","name":"parcels","features":[\n')
    f.write(",\n".join(json.dumps(x, ensure_ascii=False) for x in features))
    f.write("\n]}\n")
facilities = json.load(open("../../../maps/facilities.geojson", encoding="utf-8"))
facilities["features"] = facilities["features"][:12]
with open("facilities.geojson", "w", encoding="utf-8") as f:
    json.dump(facilities, f, ensure_ascii=False)

# Shapefiles in GBK: with a .cpg; without one (the language driver byte says
# 936); and with neither (the reader must guess GB18030).
clean("parcels_gbk")
run("ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=CP936", "parcels_gbk.shp", "parcels.geojson")
if not os.path.exists("parcels_gbk.cpg"):
    open("parcels_gbk.cpg", "w").write("936")
for stem, ldid in (("parcels_gbk_nocpg", None), ("parcels_gbk_bare", 0)):
    clean(stem)
    for ext in ("shp", "shx", "dbf", "prj"):
        shutil.copy(f"parcels_gbk.{ext}", f"{stem}.{ext}")
    with open(f"{stem}.dbf", "r+b") as f:
        f.seek(29)
        if ldid is None:
            f.write(bytes([0x4D]))
        else:
            f.write(bytes([ldid]))

# EPSG:4549 with the .prj ArcGIS writes (no authority), and zone 40 with prefix.
arcgis = ('PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
          'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
          'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",{fe}],'
          'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],'
          'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
for stem, code, fe, name in (("parcels_4549", 4549, "500000.0", None),
                             ("parcels_4528", 4528, "40500000.0", "CGCS2000_3_Degree_GK_Zone_40")):
    clean(stem)
    run("ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=CP936", "-s_srs", "EPSG:4326",
        "-t_srs", f"EPSG:{code}", f"{stem}.shp", "parcels.geojson")
    prj = arcgis.replace("{fe}", fe)
    if name:
        prj = prj.replace("CGCS2000_3_Degree_GK_CM_120E", name)
    open(f"{stem}.prj", "w").write(prj)

# A GeoPackage of three layers: parcels in CGCS2000 (4490), the same in EPSG:4549,
# and facilities in WGS84.
if os.path.exists("district.gpkg"):
    os.remove("district.gpkg")
run("ogr2ogr", "-f", "GPKG", "-nlt", "MULTIPOLYGON", "-a_srs", "EPSG:4490", "-nln", "地块", "district.gpkg", "parcels.geojson")
run("ogr2ogr", "-f", "GPKG", "-update", "-nlt", "MULTIPOLYGON", "-s_srs", "EPSG:4326", "-t_srs", "EPSG:4549", "-nln", "parcels_4549",
    "district.gpkg", "parcels.geojson")
run("ogr2ogr", "-f", "GPKG", "-update", "-nln", "facilities", "district.gpkg", "facilities.geojson")

for f in ("parcels.fgb",):
    if os.path.exists(f):
        os.remove(f)
run("ogr2ogr", "-f", "FlatGeobuf", "parcels.fgb", "parcels.geojson")

# KMZ: the KML GDAL writes, zipped as doc.kml.
if os.path.exists("parcels.kml"):
    os.remove("parcels.kml")
run("ogr2ogr", "-f", "KML", "-dsco", "NameField=地块编号", "parcels.kml", "parcels.geojson")
with zipfile.ZipFile("parcels.kmz", "w", zipfile.ZIP_DEFLATED) as z:
    z.write("parcels.kml", "doc.kml")
os.remove("parcels.kml")

# CSV: WKT in UTF-8 with a BOM; facilities by lon/lat in GBK.
for f in ("parcels_wkt.csv", "facilities_lonlat.csv"):
    if os.path.exists(f):
        os.remove(f)
run("ogr2ogr", "-f", "CSV", "-lco", "GEOMETRY=AS_WKT", "-lco", "WRITE_BOM=YES", "parcels_wkt.csv", "parcels.geojson")
run("ogr2ogr", "-f", "CSV", "-lco", "GEOMETRY=AS_XY", "facilities_xy.csv", "facilities.geojson")
text = open("facilities_xy.csv", encoding="utf-8").read().replace("X,Y,", "经度,纬度,", 1)
open("facilities_lonlat.csv", "w", encoding="gbk").write(text)
os.remove("facilities_xy.csv")
