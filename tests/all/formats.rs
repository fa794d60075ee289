//! Planners' own formats: every fixture (made by GDAL from parcels.geojson, see
//! tests/data/formats/make_fixtures.py) loads to the GeoJSON's features,
//! attributes and areas; exports read back the same; broken files give clear
//! errors or warnings naming the record, never a panic.

use std::path::{Path, PathBuf};
use std::process::Command;

use parcelview::crs::{Crs, CrsKind};
use parcelview::io::{LoadControl, LoadError, LoadOptions, load_path};
use parcelview::model::{AttrValue, Layer};
use parcelview::sources::{self, ExportOptions, export_features, list_layers};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/formats")
        .join(name)
}

fn load_with(path: &Path, options: &LoadOptions) -> Result<Layer, LoadError> {
    load_path(path, options, LoadControl::default())
}

fn load(name: &str) -> Layer {
    load_with(&data(name), &LoadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Whether two attribute values say the same: equal numbers (to 1e-9), or equal
/// text (a number in one format may be text in another).
fn same(a: &AttrValue, b: &AttrValue) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
        _ => a.to_text() == b.to_text(),
    }
}

/// Checks that `other` holds the reference's features (matched by 地块编号, the
/// id, since FlatGeobuf stores them in its index's order), each field's values
/// and each area to 1e-6; `renamed` maps the reference's field names to the
/// other's where the format renamed one.
fn assert_same_layer(reference: &Layer, other: &Layer, renamed: &[(&str, &str)]) {
    assert_eq!(
        reference.len(),
        other.len(),
        "{}: feature count",
        other.source
    );
    let id_of = |l: &Layer, i: usize| {
        let field = renamed
            .iter()
            .find(|(from, _)| *from == "地块编号")
            .map(|(_, to)| *to)
            .filter(|_| !std::ptr::eq(l, reference))
            .unwrap_or("地块编号");
        let k = l.field_index(field).expect("id field");
        l.value(i, k).to_text().unwrap_or_default()
    };
    let by_id: std::collections::HashMap<String, usize> =
        (0..other.len()).map(|i| (id_of(other, i), i)).collect();
    for i in 0..reference.len() {
        let id = id_of(reference, i);
        let j = *by_id
            .get(&id)
            .unwrap_or_else(|| panic!("{}: no {id}", other.source));
        for (f, name) in reference.fields.iter().enumerate() {
            let other_name = renamed
                .iter()
                .find(|(from, _)| from == name)
                .map(|(_, to)| *to)
                .unwrap_or(name);
            let g = other.field_index(other_name).unwrap_or_else(|| {
                panic!(
                    "{}: no field {other_name} in {:?}",
                    other.source, other.fields
                )
            });
            let (a, b) = (reference.value(i, f), other.value(j, g));
            assert!(same(a, b), "{}: {id} {name}: {a:?} vs {b:?}", other.source);
        }
        let (a, b) = (reference.area_m2[i], other.area_m2[j]);
        assert!(
            (a - b).abs() <= 1e-6 * a.max(1.0),
            "{}: {id} area {a} vs {b}",
            other.source
        );
    }
}

fn has_warning(layer: &Layer, text: &str) -> bool {
    layer.warnings.iter().any(|w| w.to_string().contains(text))
}

#[test]
fn shapefiles_in_gbk_with_and_without_cpg_load_like_the_geojson() {
    let reference = load("parcels.geojson");
    assert!(reference.len() > 30);
    for name in ["parcels_gbk.shp", "parcels_gbk_nocpg.shp"] {
        let shp = load(name);
        assert_same_layer(&reference, &shp, &[]);
        assert!(!has_warning(&shp, "GB18030"), "{name}: {:?}", shp.warnings);
        assert_eq!(shp.source_crs.label, "EPSG:4326");
    }
    // Neither .cpg nor language driver: the text is not UTF-8, so it is read as
    // GB18030, with a warning that says so.
    let bare = load("parcels_gbk_bare.shp");
    assert_same_layer(&reference, &bare, &[]);
    assert!(has_warning(&bare, "read as GB18030"), "{:?}", bare.warnings);
    // The parcel given a courtyard has its hole, and its area is less by it.
    let holed = (0..bare.len())
        .find(|&i| matches!(&bare.geometries[i], Some(geo::Geometry::Polygon(p)) if !p.interiors().is_empty()));
    assert!(
        holed.is_some(),
        "the ESRI rings were assembled with their hole"
    );
    // Opening the .dbf opens the Shapefile.
    let by_dbf = load("parcels_gbk.dbf");
    assert_eq!(by_dbf.len(), reference.len());
    // --encoding overrides: read as Big5, the Chinese names come out wrong.
    let forced = load_with(
        &data("parcels_gbk.shp"),
        &LoadOptions {
            encoding: Some("Big5".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(forced.field_index("地块编号").is_none());
    let err = load_with(
        &data("parcels_gbk.shp"),
        &LoadOptions {
            encoding: Some("klingon".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, LoadError::UnknownEncoding { .. }), "{err}");
}

#[test]
fn gauss_kruger_shapefiles_with_arcgis_prj_load_in_place() {
    let reference = load("parcels.geojson");
    for (name, label) in [
        ("parcels_4549.shp", "EPSG:4549"),
        ("parcels_4528.shp", "EPSG:4528"),
    ] {
        let shp = load(name);
        assert_eq!(shp.source_crs.label, label, "{name}");
        assert_same_layer(&reference, &shp, &[]);
        // The vertices come back to the millimetre (1e-8° ≈ 1 mm).
        let (a, b) = (reference.bbox().unwrap(), shp.bbox().unwrap());
        assert!((a.min().x - b.min().x).abs() < 1e-8 && (a.max().y - b.max().y).abs() < 1e-8);
    }
}

#[test]
fn geopackage_layers_are_listed_and_chosen() {
    let layers = list_layers(&data("district.gpkg")).unwrap();
    let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["地块", "parcels_4549", "facilities"]);
    assert_eq!(layers[0].srs, "EPSG:4490");
    assert_eq!(layers[1].srs, "EPSG:4549");
    assert_eq!(layers[2].srs, "EPSG:4326");
    assert_eq!(layers[2].features, 12);
    assert!(
        layers[0].geometry_type.contains("POLYGON"),
        "{:?}",
        layers[0]
    );

    let reference = load("parcels.geojson");
    let first = load("district.gpkg");
    assert_eq!(first.source_crs.label, "EPSG:4490");
    assert!(has_warning(&first, "has 3 layers"), "{:?}", first.warnings);
    assert_same_layer(&reference, &first, &[]);
    let projected = load_with(
        &data("district.gpkg"),
        &LoadOptions {
            layer: Some("parcels_4549".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_same_layer(&reference, &projected, &[]);
    let facilities = load_with(
        &data("district.gpkg"),
        &LoadOptions {
            layer: Some("facilities".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(facilities.len(), 12);
    let err = load_with(
        &data("district.gpkg"),
        &LoadOptions {
            layer: Some("道路".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    match &err {
        LoadError::NoSuchLayer {
            layer, available, ..
        } => {
            assert_eq!(layer, "道路");
            assert_eq!(available.len(), 3);
        }
        other => panic!("{other}"),
    }
    assert!(
        err.to_string().contains("地块, parcels_4549, facilities"),
        "{err}"
    );
}

#[test]
fn flatgeobuf_kmz_and_csv_load_like_the_geojson() {
    let reference = load("parcels.geojson");
    let fgb = load("parcels.fgb");
    assert_same_layer(&reference, &fgb, &[]);
    // A bbox read through the index takes just the parcels that meet the box.
    let r = reference.bbox().unwrap();
    let quarter = geo::Rect::new(
        r.min(),
        geo::Coord {
            x: r.center().x,
            y: r.center().y,
        },
    );
    let part = load_with(
        &data("parcels.fgb"),
        &LoadOptions {
            bbox: Some(quarter),
            ..Default::default()
        },
    )
    .unwrap();
    let expected = parcelview::selection::in_rect(&reference, quarter).len();
    assert!(part.len() < reference.len());
    assert!(part.len() >= expected, "{} < {expected}", part.len());

    let kmz = load("parcels.kmz");
    // GDAL puts the name field (地块编号) in <name>.
    assert_same_layer(&reference, &kmz, &[("地块编号", "name")]);

    let csv = load("parcels_wkt.csv");
    assert_same_layer(&reference, &csv, &[]);
    // Codes keep their leading zero.
    let k = csv.field_index("用地代码").unwrap();
    assert!((0..csv.len()).any(|i| csv.value(i, k) == &AttrValue::Text("070102".into())));

    let facilities = load("facilities.geojson");
    let points = load("facilities_lonlat.csv");
    assert_eq!(points.len(), facilities.len());
    assert!(has_warning(&points, "GB18030"), "{:?}", points.warnings);
    let name = points.field_index("名称").unwrap();
    let fname = facilities.field_index("名称").unwrap();
    for i in 0..points.len() {
        assert_eq!(points.value(i, name), facilities.value(i, fname));
        let (Some(geo::Geometry::Point(p)), Some(geo::Geometry::Point(q))) =
            (&points.geometries[i], &facilities.geometries[i])
        else {
            panic!("points")
        };
        assert!((p.x() - q.x()).abs() < 1e-8 && (p.y() - q.y()).abs() < 1e-8);
    }
}

#[test]
fn exports_read_back_the_same() {
    let reference = load("parcels.geojson");
    let dir = tempfile::tempdir().unwrap();
    let all: Vec<usize> = (0..reference.len()).collect();
    for ext in ["gpkg", "shp", "fgb", "kml"] {
        let out = dir.path().join(format!("sel.{ext}"));
        let summary =
            export_features(&reference, &all, &out, &ExportOptions::default(), &[]).unwrap();
        assert_eq!(summary.features, reference.len(), "{ext}");
        let back = load_with(&out, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_same_layer(&reference, &back, &[]);
        // The computed area columns are there and agree with the areas.
        // A GBK Shapefile names the added columns in Chinese within dBASE's 10 bytes.
        let area_name = if ext == "shp" { "面积_m2" } else { "area_m2" };
        let a = back.field_index(area_name).expect("area column");
        for i in 0..back.len() {
            let v = back.value(i, a).as_f64().unwrap();
            assert!(
                (v - back.area_m2[i]).abs() < 0.01,
                "{ext}: {v} vs {}",
                back.area_m2[i]
            );
        }
        let landuse = if ext == "shp" {
            "用地类别"
        } else {
            "landuse_name"
        };
        assert!(
            back.field_index(landuse).is_some(),
            "{ext}: {:?}",
            back.fields
        );
    }
    // The Shapefile is GBK with its .cpg and a .prj, and reads the same without GDAL's help.
    let cpg = std::fs::read_to_string(dir.path().join("sel.cpg")).unwrap();
    assert_eq!(cpg, "GBK");
    let prj = std::fs::read_to_string(dir.path().join("sel.prj")).unwrap();
    assert_eq!(Crs::from_wkt(&prj).unwrap().label, "EPSG:4326");
    let dbf = std::fs::read(dir.path().join("sel.dbf")).unwrap();
    assert!(
        !dbf.windows(4).any(|w| w == "地块".as_bytes()),
        "names are GBK, not UTF-8"
    );
    // A GeoPackage in CGCS2000 on request.
    let out = dir.path().join("sel4490.gpkg");
    export_features(
        &reference,
        &all,
        &out,
        &ExportOptions {
            srs: Some(4490),
            ..Default::default()
        },
        &[],
    )
    .unwrap();
    assert_eq!(list_layers(&out).unwrap()[0].srs, "EPSG:4490");
    // UTF-8 on request; long names are cut to dBASE's 10 bytes and reported.
    let out = dir.path().join("utf8.shp");
    let summary = export_features(
        &reference,
        &all,
        &out,
        &ExportOptions {
            encoding: Some("UTF-8".into()),
            ..Default::default()
        },
        &[],
    )
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("utf8.cpg")).unwrap(),
        "UTF-8"
    );
    let renamed: Vec<(String, String)> = summary.renamed.clone();
    assert!(
        renamed
            .iter()
            .any(|(from, to)| from == "用地名称" && to == "用地名"),
        "{renamed:?}"
    );
    assert!(
        renamed
            .iter()
            .any(|(from, to)| from == "landuse_name" && to == "landuse_na"),
        "{renamed:?}"
    );
    let back = load_with(&out, &LoadOptions::default()).unwrap();
    let pairs: Vec<(&str, &str)> = renamed
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let mut trimmed = pairs.clone();
    trimmed.retain(|(a, _)| reference.field_index(a).is_some());
    assert_same_layer(&reference, &back, &trimmed);
    // Never over an input.
    let err = export_features(
        &reference,
        &all,
        &data("parcels.fgb"),
        &ExportOptions::default(),
        &[&data("parcels.fgb")],
    )
    .unwrap_err();
    assert!(err.to_string().contains("refusing"), "{err}");
}

/// Copies the fixture Shapefile `stem` into `dir` (all its files).
fn copy_shapefile(stem: &str, dir: &Path) -> PathBuf {
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        let from = data(&format!("{stem}.{ext}"));
        if from.exists() {
            std::fs::copy(&from, dir.join(format!("{stem}.{ext}"))).unwrap();
        }
    }
    dir.join(format!("{stem}.shp"))
}

#[test]
fn broken_shapefiles_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let n = load("parcels.geojson").len();
    // Missing .dbf: an error naming it.
    let shp = copy_shapefile("parcels_gbk", dir.path());
    std::fs::remove_file(shp.with_extension("dbf")).unwrap();
    let err = load_with(&shp, &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, LoadError::MissingSidecar { .. }), "{err}");
    assert!(err.to_string().contains(".dbf"), "{err}");
    // Missing .shx: read in sequence, with a warning.
    let shp = copy_shapefile("parcels_gbk", dir.path());
    std::fs::remove_file(shp.with_extension("shx")).unwrap();
    let layer = load_with(&shp, &LoadOptions::default()).unwrap();
    assert_eq!(layer.len(), n);
    assert!(has_warning(&layer, ".shx index is missing"));
    // Truncated .shp: the whole records are kept, the cut ones named.
    let shp = copy_shapefile("parcels_gbk", dir.path());
    let bytes = std::fs::read(&shp).unwrap();
    std::fs::write(&shp, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let layer = load_with(&shp, &LoadOptions::default()).unwrap();
    assert!(layer.len() < n && layer.len() > n / 3, "{}", layer.len());
    assert!(has_warning(&layer, "truncated"), "{:?}", layer.warnings);
    assert!(
        layer
            .warnings
            .iter()
            .any(|w| w.message.contains("skipped: record") && w.feature_id.is_some()),
        "{:?}",
        layer.warnings
    );
    // Cut inside the header.
    std::fs::write(&shp, &bytes[..60]).unwrap();
    let err = load_with(&shp, &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, LoadError::Truncated { .. }), "{err}");
    // Wrong magic: a GeoJSON renamed .shp.
    std::fs::copy(data("parcels.geojson"), &shp).unwrap();
    let err = load_with(&shp, &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, LoadError::NotFormat { .. }), "{err}");
    // Record counts that disagree: a .dbf with rows cut off.
    let shp = copy_shapefile("parcels_gbk", dir.path());
    let dbf = std::fs::read(shp.with_extension("dbf")).unwrap();
    std::fs::write(shp.with_extension("dbf"), &dbf[..dbf.len() - 2000]).unwrap();
    let layer = load_with(&shp, &LoadOptions::default()).unwrap();
    assert_eq!(layer.len(), n);
    assert!(
        has_warning(&layer, ".dbf is truncated"),
        "{:?}",
        layer.warnings
    );
    // Garbage in the middle of a record: that record is skipped and named.
    let shp = copy_shapefile("parcels_gbk", dir.path());
    let mut bytes = std::fs::read(&shp).unwrap();
    // The first record's part count, after its 8-byte header, type and box.
    bytes[100 + 8 + 36..100 + 8 + 40].copy_from_slice(&1_000_000i32.to_le_bytes());
    std::fs::write(&shp, &bytes).unwrap();
    let layer = load_with(&shp, &LoadOptions::default()).unwrap();
    assert_eq!(layer.len(), n - 1);
    let w = layer
        .warnings
        .iter()
        .find(|w| w.message.contains("record 1:"))
        .expect("named");
    assert_eq!(w.feature_index, Some(0));
    assert!(w.feature_id.is_some(), "{w}");
}

#[test]
fn broken_geopackages_flatgeobufs_kml_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    // Bad WKB in one row: that feature is skipped, named by its fid.
    let gpkg = dir.path().join("bad.gpkg");
    std::fs::copy(data("district.gpkg"), &gpkg).unwrap();
    {
        let db = rusqlite::Connection::open(&gpkg).unwrap();
        // GDAL's R-tree triggers call SpatiaLite functions this SQLite lacks.
        let triggers: Vec<String> = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for t in triggers {
            db.execute(&format!("DROP TRIGGER \"{t}\""), []).unwrap();
        }
        db.execute(
            "UPDATE \"地块\" SET geom = X'47500001E6100000010300000005000000' WHERE fid = 3",
            [],
        )
        .unwrap();
    }
    let layer = load_with(&gpkg, &LoadOptions::default()).unwrap();
    assert_eq!(layer.len(), load("parcels.geojson").len() - 1);
    assert!(
        layer.warnings.iter().any(|w| w.feature_id.as_deref() == Some("fid 3") && w.message.contains("bad geometry")),
        "{:?}",
        layer.warnings
    );
    // Not SQLite, SQLite without gpkg_contents, truncated.
    let fake = dir.path().join("fake.gpkg");
    std::fs::write(&fake, b"this is not a database at all, just text").unwrap();
    let err = load_with(&fake, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::NotFormat { .. } | LoadError::Database { .. }
        ),
        "{err}"
    );
    let plain = dir.path().join("plain.gpkg");
    rusqlite::Connection::open(&plain)
        .unwrap()
        .execute_batch("CREATE TABLE t (a INTEGER)")
        .unwrap();
    let err = load_with(&plain, &LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("gpkg_contents"), "{err}");
    let bytes = std::fs::read(data("district.gpkg")).unwrap();
    std::fs::write(&fake, &bytes[..bytes.len() / 3]).unwrap();
    assert!(load_with(&fake, &LoadOptions::default()).is_err());

    // FlatGeobuf truncated at every tenth of its length, and with its magic broken.
    let fgb = std::fs::read(data("parcels.fgb")).unwrap();
    let cut = dir.path().join("cut.fgb");
    for k in 1..10 {
        std::fs::write(&cut, &fgb[..fgb.len() * k / 10]).unwrap();
        let _ = load_with(&cut, &LoadOptions::default());
    }
    let mut bad = fgb.clone();
    bad[0] = b'x';
    std::fs::write(&cut, &bad).unwrap();
    let err = load_with(&cut, &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, LoadError::NotFormat { .. }), "{err}");

    // KMZ that is not a zip, KML that is not XML, a placemark with bad coordinates.
    let kmz = dir.path().join("bad.kmz");
    std::fs::write(&kmz, b"PK\x03\x04 not really").unwrap();
    assert!(matches!(
        load_with(&kmz, &LoadOptions::default()).unwrap_err(),
        LoadError::NotFormat { .. }
    ));
    let kml = dir.path().join("bad.kml");
    std::fs::write(&kml, "<kml><Document><Placemark><name>A</name><Point><coordinates>120.7,30.7</coordinates></Point></Placemark><Placemark><name>B</name><Point><coordinates>east,north</coordinates></Point></Placemark></Document></kml>").unwrap();
    let layer = load_with(&kml, &LoadOptions::default()).unwrap();
    assert_eq!(layer.len(), 1);
    assert!(
        layer
            .warnings
            .iter()
            .any(|w| w.feature_id.as_deref() == Some("B") && w.message.contains("placemark 2"))
    );
    std::fs::write(&kml, "<kml><Document><Placemark>").unwrap();
    assert!(matches!(
        load_with(&kml, &LoadOptions::default()).unwrap_err(),
        LoadError::NotFormat { .. }
    ));

    // CSV without geometry columns; a row with bad WKT.
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, "地块编号,面积\nA,1\n").unwrap();
    let err = load_with(&csv, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(&err, LoadError::NoGeometryColumns { columns, .. } if columns.len() == 2),
        "{err}"
    );
    std::fs::write(&csv, "地块编号,wkt\nA,POINT (120.7 30.7)\nB,POINT (120.7\n").unwrap();
    let layer = load_with(&csv, &LoadOptions::default()).unwrap();
    assert_eq!(layer.len(), 1);
    assert!(
        layer
            .warnings
            .iter()
            .any(|w| w.feature_id.as_deref() == Some("B") && w.message.contains("line 3")),
        "{:?}",
        layer.warnings
    );
}

#[test]
fn gcj02_and_bd09_convert_at_load_and_datav_files_get_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let (lon, lat) = (120.70, 30.72);
    let (gx, gy) = sources::gcj02::wgs84_to_gcj02(lon, lat);
    let (bx, by) = sources::gcj02::wgs84_to_bd09(lon, lat);
    let path = dir.path().join("datav.geojson");
    let write = |x: f64, y: f64| {
        std::fs::write(
            &path,
            format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"adcode":330411,"name":"秀洲区","center":[120.7,30.76],"parent":{{"adcode":330400}}}},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}]}}"#),
        )
        .unwrap()
    };
    write(gx, gy);
    let plain = load_with(&path, &LoadOptions::default()).unwrap();
    assert!(has_warning(&plain, "--crs GCJ02"), "{:?}", plain.warnings);
    for (crs, x, y) in [("GCJ02", gx, gy), ("BD09", bx, by)] {
        write(x, y);
        let layer = load_with(
            &path,
            &LoadOptions {
                crs_override: Some(Crs::parse(crs).unwrap()),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(!has_warning(&layer, "--crs GCJ02"));
        assert!(matches!(
            layer.source_crs.kind,
            CrsKind::Gcj02 | CrsKind::Bd09
        ));
        let Some(geo::Geometry::Point(p)) = &layer.geometries[0] else {
            panic!()
        };
        // Better than 0.1 m: 1e-6° is about 0.1 m.
        assert!(
            (p.x() - lon).abs() < 1e-6 && (p.y() - lat).abs() < 1e-6,
            "{crs}: {p:?}"
        );
    }
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_parcelview"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_cli_lists_layers_and_exports_gis_formats() {
    let gpkg = data("district.gpkg");
    let o = run(&["info", gpkg.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("* 地块  MULTIPOLYGON"), "{text}");
    assert!(
        text.contains("facilities  POINT  12 features  EPSG:4326"),
        "{text}"
    );
    let o = run(&[
        "info",
        gpkg.to_str().unwrap(),
        "--layer",
        "facilities",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["features"], 12);
    assert_eq!(v["layers"].as_array().unwrap().len(), 3);
    let o = run(&["info", gpkg.to_str().unwrap(), "--layer", "道路"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no layer named '道路'"));

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("选定.shp");
    let o = run(&[
        "report",
        data("parcels_gbk.shp").to_str().unwrap(),
        "--where",
        "\"用地代码\" LIKE '1%'",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!text.contains("landuse_na"), "{text}");
    let back = load_with(&out, &LoadOptions::default()).unwrap();
    assert!(back.field_index("用地类别").is_some(), "{:?}", back.fields);
    let code = back.field_index("用地代码").unwrap();
    assert!(!back.is_empty());
    assert!((0..back.len()).all(|i| back.value(i, code).to_text().unwrap().starts_with('1')));
    let o = run(&[
        "stats",
        data("parcels.kmz").to_str().unwrap(),
        "--role",
        "landuse=用地代码",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A deterministic stand-in for the fuzz targets in `cargo test`: thousands of
/// mutations of the fixture Shapefile and of GeoPackage blobs load or fail, and
/// never panic.
#[test]
fn mutated_shapefiles_and_blobs_never_panic() {
    let shp = std::fs::read(data("parcels_gbk.shp")).unwrap();
    let shx = std::fs::read(data("parcels_gbk.shx")).unwrap();
    let dbf = std::fs::read(data("parcels_gbk.dbf")).unwrap();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..3000 {
        let (mut a, mut b, mut c) = (shp.clone(), shx.clone(), dbf.clone());
        for _ in 0..1 + round % 8 {
            let which = next() % 3;
            let target = match which {
                0 => &mut a,
                1 => &mut b,
                _ => &mut c,
            };
            let k = (next() as usize) % target.len();
            target[k] = next() as u8;
        }
        if round % 5 == 0 {
            let keep = (next() as usize) % a.len();
            a.truncate(keep);
        }
        let mut builder = sources::LayerBuilder::new(None);
        if let Ok(crs) = sources::shapefile::read_parts(
            &a,
            Some(&b),
            &c,
            None,
            None,
            None,
            "m.shp",
            LoadControl::default(),
            &mut builder,
        ) && let Ok(layer) = builder.finish(
            crs,
            "m.shp",
            "m",
            &LoadOptions::default(),
            LoadControl::default(),
        ) {
            assert!(layer.area_m2.iter().all(|v| v.is_finite()));
        }
    }
    let mut blob = Vec::new();
    let reference = load("parcels.geojson");
    sources::gpkg::encode_blob(reference.geometries[0].as_ref().unwrap(), 4326, &mut blob);
    for _ in 0..20_000 {
        let mut m = blob.clone();
        let k = (next() as usize) % m.len();
        m[k] = next() as u8;
        if next() % 4 == 0 {
            m.truncate((next() as usize) % m.len());
        }
        let _ = sources::gpkg::decode_blob(&m);
    }
}
