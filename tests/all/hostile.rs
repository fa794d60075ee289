//! Hostile and broken input: a corpus of bad GeoJSON files (`tests/data/bad/`, plus
//! large ones made here), each with the behaviour expected of it: a one-line error
//! naming the file and where, or a layer with precise warnings. Every layer that
//! loads is then drawn, selected, measured and reported on, which must not panic.

use std::path::{Path, PathBuf};

use parcelview::io::{LoadControl, LoadOptions, load_bytes, load_path};
use parcelview::model::Layer;

fn bad(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/bad")
        .join(name)
}

enum Expect {
    /// Fails; the one-line error holds each of these.
    Error(&'static [&'static str]),
    /// Loads `features` features with `skipped` skipped; the warnings hold each of
    /// these.
    Loads {
        features: usize,
        skipped: usize,
        warnings: &'static [&'static str],
    },
}

use Expect::*;

const CORPUS: &[(&str, Expect)] = &[
    (
        "empty.geojson",
        Error(&["empty.geojson", "the file is empty"]),
    ),
    (
        "whitespace.geojson",
        Error(&["whitespace.geojson", "empty"]),
    ),
    (
        "truncated.geojson",
        Error(&["truncated.geojson", "line 1, column", "truncated"]),
    ),
    (
        "not-geojson.geojson",
        Error(&["not-geojson.geojson", "no 'type' member"]),
    ),
    (
        "wrong-type.geojson",
        Error(&["'Featurecollection'", "expected FeatureCollection"]),
    ),
    // A top-level array loads when it holds Features (tests/data/real); one of
    // numbers or of plain records is still not GeoJSON.
    (
        "array-top.geojson",
        Error(&[
            "array-top.geojson",
            "line 1, column 2",
            "first element is a number",
            "not a GeoJSON Feature",
        ]),
    ),
    (
        "array-of-records.geojson",
        Error(&[
            "array-of-records.geojson",
            "line 1, column 2",
            "without a 'type' member",
            "not a GeoJSON Feature",
        ]),
    ),
    (
        "features-not-array.geojson",
        Error(&["column 43", "'features' array"]),
    ),
    (
        "utf16.geojson",
        Error(&["utf16.geojson", "UTF-16", "UTF-8"]),
    ),
    (
        "projected-without-crs.geojson",
        Error(&[
            "projected",
            "--crs",
            "EPSG:4528",
            "as EPSG:4528 this lies at 30.7°N 120.0°E",
        ]),
    ),
    (
        "coords-as-strings.geojson",
        Loads {
            features: 1,
            skipped: 1,
            warnings: &["feature #1", "STR-1"],
        },
    ),
    (
        "nan-infinity.geojson",
        Loads {
            features: 1,
            skipped: 1,
            warnings: &["feature #1"],
        },
    ),
    (
        "latitude-beyond-90.geojson",
        Loads {
            features: 1,
            skipped: 1,
            warnings: &["feature #1", "LAT-1"],
        },
    ),
    (
        "short-ring.geojson",
        Loads {
            features: 1,
            skipped: 1,
            warnings: &["feature #1", "SHORT-1"],
        },
    ),
    (
        "unclosed-ring.geojson",
        Loads {
            features: 1,
            skipped: 0,
            warnings: &["feature #0", "closed 1 unclosed ring"],
        },
    ),
    (
        "bow-tie.geojson",
        Loads {
            features: 1,
            skipped: 0,
            warnings: &["BOW-1", "crosses itself", "not reliable"],
        },
    ),
    (
        "self-intersecting.geojson",
        Loads {
            features: 1,
            skipped: 0,
            warnings: &["SELF-1", "crosses itself"],
        },
    ),
    (
        "zero-area.geojson",
        Loads {
            features: 1,
            skipped: 0,
            warnings: &["ZERO-1", "no area"],
        },
    ),
    (
        "duplicate-ids.geojson",
        Loads {
            features: 3,
            skipped: 0,
            warnings: &["'OK-1'", "3 features"],
        },
    ),
    (
        "unknown-crs.geojson",
        Loads {
            features: 1,
            skipped: 0,
            warnings: &["999999"],
        },
    ),
    (
        "wrong-nesting.geojson",
        Loads {
            features: 1,
            skipped: 1,
            warnings: &["feature #1", "NEST-1"],
        },
    ),
    (
        "geometry-not-object.geojson",
        Loads {
            features: 1,
            skipped: 1,
            warnings: &["feature #1"],
        },
    ),
    (
        "unknown-geometry-type.geojson",
        Loads {
            features: 1,
            skipped: 1,
            warnings: &["feature #1", "Circle"],
        },
    ),
    (
        "properties-not-object.geojson",
        Loads {
            features: 0,
            skipped: 1,
            warnings: &["feature #0"],
        },
    ),
    (
        "invalid-utf8.geojson",
        Loads {
            features: 0,
            skipped: 1,
            warnings: &["feature #0", "UTF-8"],
        },
    ),
];

fn load(path: &Path) -> Result<Layer, String> {
    load_path(path, &LoadOptions::default(), LoadControl::default()).map_err(|e| e.to_string())
}

/// Everything a planner does with a layer, on a layer from a bad file: none of it
/// may panic, and areas stay finite.
fn exercise(layer: &Layer) {
    use parcelview::selection::{self, AreaMode};
    use parcelview::stats::{self, AreaMethod, GroupBy};
    assert!(layer.area_m2.iter().all(|a| a.is_finite() && *a >= 0.0));
    let Some(bbox) = layer.bbox() else { return };
    let all = selection::in_rect(layer, bbox);
    let poly = geo::MultiPolygon(vec![bbox.to_polygon()]);
    let within = selection::in_polygon(layer, &poly, AreaMode::Within);
    assert!(within.len() <= all.len());
    let _ = selection::pick(layer, bbox.center());
    let t = stats::group_stats(
        layer,
        Some(&all),
        GroupBy::Class(2),
        AreaMethod::Ellipsoidal,
        &layer.area_m2,
    );
    assert_eq!(t.features, all.len());
    let image = parcelview::render::map_image::MapImage {
        layers: vec![parcelview::render::map_image::ImageLayer {
            layer,
            style: parcelview::render::map_image::ImageStyle::landuse(),
            selected: &all,
        }],
        basemap: None,
        bbox,
        width_px: 200,
        height_px: 150,
        dpi: 96.0,
        title: None,
        chinese: true,
        legend: true,
        spotlight: false,
        sheet: Default::default(),
    };
    parcelview::render::map_image::render(&image).unwrap();
    let _ = parcelview::report::cards(layer, &all, None, parcelview::report::ReportLang::Zh);
}

/// Files as they arrive from elsewhere (`tests/data/real/`): other tools' habits
/// that are not errors, and the few that are. Where a feature must not be named
/// in any warning, `Loads` lists it after a `!`.
const REAL: &[(&str, Expect)] = &[
    (
        "empty-hole.geojson",
        Loads {
            features: 5,
            skipped: 0,
            warnings: &[
                "feature #0 (id HOLE-POINT): hole (ring 1) encloses no area (its points are all the same); the hole was dropped",
                "feature #1 (id HOLE-LINE): hole (ring 1) encloses no area (its points lie on one line)",
                "feature #2 (id HOLE-EMPTY): hole (ring 1) encloses no area (it has no points)",
                "feature #3 (id HOLE-MULTI): polygon 1, hole (ring 1) encloses no area",
                "!HOLE-REAL",
                "!crosses itself",
            ],
        },
    ),
    (
        "touching-rings.geojson",
        Loads {
            features: 5,
            skipped: 0,
            warnings: &[
                "!FIG-8",
                "!PINCH",
                "!T-TOUCH",
                "feature #3 (id CROSS-AT-VERTEX): a polygon ring crosses itself",
                "feature #4 (id BOW-TIE): a polygon ring crosses itself",
            ],
        },
    ),
    (
        "single-feature-bad-json.geojson",
        Error(&[
            "single-feature-bad-json.geojson",
            "line 5, column 71",
            "feature #0",
            "trailing comma",
        ]),
    ),
    (
        "utm-without-crs.geojson",
        Error(&[
            "utm-without-crs.geojson",
            "--crs",
            "as EPSG:4549 this lies at 48.1°N 122.6°E",
        ]),
    ),
    (
        "array-of-features.geojson",
        Loads {
            features: 3,
            skipped: 0,
            warnings: &[],
        },
    ),
    (
        "negative-zero.geojson",
        Loads {
            features: 1,
            skipped: 1,
            warnings: &["feature #1 (id NZ-2): skipped: coordinate (0, 95)", "!-0"],
        },
    ),
];

#[test]
fn every_bad_file_fails_clearly_or_loads_with_precise_warnings() {
    check_corpus(&bad(""), CORPUS);
}

#[test]
fn files_from_elsewhere_load_as_a_planner_expects() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/real");
    check_corpus(&dir, REAL);
}

/// Loads every file of `dir` and checks it against its expectation in `table`.
fn check_corpus(dir: &Path, table: &[(&str, Expect)]) {
    let listed: std::collections::BTreeSet<&str> = table.iter().map(|(n, _)| *n).collect();
    // The corpus on disk and the table agree, so no file goes untested.
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(listed.contains(name.as_str()), "{name} has no expectation");
    }
    for (name, expect) in table {
        let result = load(&dir.join(name));
        match (expect, result) {
            (Error(words), Err(e)) => {
                assert!(!e.contains('\n'), "{name}: not one line: {e}");
                for w in *words {
                    assert!(e.contains(w), "{name}: '{w}' not in: {e}");
                }
            }
            (
                Loads {
                    features,
                    skipped,
                    warnings,
                },
                Ok(layer),
            ) => {
                assert_eq!(layer.len(), *features, "{name}");
                assert_eq!(layer.skipped, *skipped, "{name}");
                let all: String = layer.warnings.iter().map(|w| format!("{w}\n")).collect();
                for w in *warnings {
                    match w.strip_prefix('!') {
                        Some(absent) => {
                            assert!(
                                !all.contains(absent),
                                "{name}: '{absent}' in warnings: {all}"
                            )
                        }
                        None => assert!(all.contains(w), "{name}: '{w}' not in warnings: {all}"),
                    }
                }
                exercise(&layer);
            }
            (Error(_), Ok(layer)) => panic!("{name}: loaded {} features", layer.len()),
            (Loads { .. }, Err(e)) => panic!("{name}: failed: {e}"),
        }
    }
}

#[test]
fn deep_nesting_huge_features_and_huge_strings_are_handled() {
    let opts = LoadOptions::default();
    // 10,000-deep nested arrays as coordinates, and as a property value.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{}},"geometry":{{"type":"Polygon","coordinates":{deep}}}}},{{"type":"Feature","properties":{{"x":{deep}}},"geometry":{{"type":"Point","coordinates":[120,30]}}}}]}}"#
    );
    let layer = load_bytes(text.as_bytes(), "deep.geojson", &opts).unwrap();
    assert_eq!((layer.len(), layer.skipped), (0, 2));
    assert!(layer.warnings.iter().all(|w| w.feature_index.is_some()));
    // A 50-level nested GeometryCollection.
    let mut g = r#"{"type":"Point","coordinates":[120.0,30.0]}"#.to_string();
    for _ in 0..50 {
        g = format!(r#"{{"type":"GeometryCollection","geometries":[{g}]}}"#);
    }
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"GC"}},"geometry":{g}}}]}}"#
    );
    let layer = load_bytes(text.as_bytes(), "gc.geojson", &opts).unwrap();
    assert_eq!(layer.len(), 1);
    exercise(&layer);
    // One feature of a million vertices: a ring of radius about 1 km.
    let n = 1_000_000;
    let mut text = String::from(
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"M"},"geometry":{"type":"Polygon","coordinates":[["#,
    );
    for i in 0..=n {
        let a = (i % n) as f64 / n as f64 * std::f64::consts::TAU;
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            "[{:.9},{:.9}]",
            120.0 + 0.01 * a.cos(),
            30.0 + 0.01 * a.sin()
        ));
    }
    text.push_str("]]}}]}");
    let layer = load_bytes(text.as_bytes(), "million.geojson", &opts).unwrap();
    assert_eq!(layer.len(), 1);
    // π r² with r ≈ 1.11 km east-west and north-south: about 3.3 km².
    assert!(
        (2.5e6..4.5e6).contains(&layer.area_m2[0]),
        "{}",
        layer.area_m2[0]
    );
    assert!(layer.warnings.is_empty(), "{:?}", layer.warnings);
    exercise(&layer);
    // 100 MB of one string attribute.
    let big = "x".repeat(100 * 1024 * 1024);
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"note":"{big}"}},"geometry":{{"type":"Point","coordinates":[120,30]}}}}]}}"#
    );
    drop(big);
    let layer = load_bytes(text.as_bytes(), "big.geojson", &opts).unwrap();
    assert_eq!(layer.len(), 1);
    let k = layer.field_index("note").unwrap();
    assert_eq!(
        layer.value(0, k).to_text().map(|t| t.len()),
        Some(100 * 1024 * 1024)
    );
}

#[test]
fn a_directory_and_an_unreadable_file_are_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let e = load(dir.path()).unwrap_err();
    assert!(e.contains("is a directory"), "{e}");
    let locked = dir.path().join("locked.geojson");
    std::fs::copy(bad("bow-tie.geojson"), &locked).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads anything; the check only means something for other users.
    if std::fs::File::open(&locked).is_err() {
        let e = load(&locked).unwrap_err();
        assert!(
            e.contains("locked.geojson") && e.contains("ermission"),
            "{e}"
        );
    }
}

#[test]
fn invalid_polygons_draw_select_and_measure_in_the_app_and_cli() {
    // The CLI's statistics say which areas are unreliable.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_parcelview"))
        .args([
            "stats",
            bad("bow-tie.geojson").to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let warnings = v["warnings"].to_string();
    assert!(warnings.contains("crosses itself"), "{warnings}");
}
