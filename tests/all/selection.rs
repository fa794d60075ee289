//! Selections against brute force, areas against GeographicLib, statistics.

use geo::{Coord, GeodesicArea, Geometry, Intersects, Point, Rect};
use parcelview::generate::{ParcelOptions, write_parcels};
use parcelview::io::{LoadOptions, load_bytes};
use parcelview::model::Layer;
use parcelview::selection::{self, AreaMode};
use parcelview::stats::{self, AreaMethod, GroupBy};

fn generated(count: usize, seed: u64) -> Layer {
    let mut bytes = Vec::new();
    write_parcels(
        &mut bytes,
        &ParcelOptions {
            count,
            seed,
            ..Default::default()
        },
    )
    .unwrap();
    load_bytes(&bytes, "generated.geojson", &LoadOptions::default()).unwrap()
}

fn lcg(s: &mut u64) -> f64 {
    *s = s
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*s >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn point_rect_and_polygon_selection_equal_brute_force() {
    let layer = generated(3000, 5);
    let bbox = layer.bbox().unwrap();
    let mut s = 3u64;
    let random_point = |s: &mut u64| Coord {
        x: bbox.min().x + bbox.width() * lcg(s),
        y: bbox.min().y + bbox.height() * lcg(s),
    };
    for _ in 0..300 {
        let p = random_point(&mut s);
        let want: Vec<usize> = (0..layer.len())
            .filter(|&i| {
                layer.geometries[i]
                    .as_ref()
                    .is_some_and(|g| g.intersects(&Point(p)))
            })
            .collect();
        assert_eq!(selection::at_point(&layer, p), want, "point {p:?}");
        assert_eq!(selection::pick(&layer, p), want.last().copied());
    }
    // Points exactly on shared edges and vertices select every neighbour.
    for i in (0..layer.len()).step_by(37) {
        let Some(Geometry::Polygon(poly)) = &layer.geometries[i] else {
            continue;
        };
        for &c in poly.exterior().0.iter().take(3) {
            let want: Vec<usize> = (0..layer.len())
                .filter(|&j| {
                    layer.geometries[j]
                        .as_ref()
                        .is_some_and(|g| g.intersects(&Point(c)))
                })
                .collect();
            assert!(want.contains(&i));
            assert_eq!(selection::at_point(&layer, c), want, "vertex {c:?}");
        }
    }
    for _ in 0..40 {
        let (a, b) = (random_point(&mut s), random_point(&mut s));
        let r = Rect::new(
            a,
            Coord {
                x: a.x + (b.x - a.x) * 0.3,
                y: a.y + (b.y - a.y) * 0.3,
            },
        );
        let want: Vec<usize> = (0..layer.len())
            .filter(|&i| {
                layer.geometries[i]
                    .as_ref()
                    .is_some_and(|g| g.intersects(&r))
            })
            .collect();
        assert_eq!(selection::in_rect(&layer, r), want);
        let poly = geo::MultiPolygon(vec![r.to_polygon()]);
        assert_eq!(
            selection::in_polygon(&layer, &poly, AreaMode::Intersects),
            want
        );
        let within = selection::in_polygon(&layer, &poly, AreaMode::Within);
        assert!(within.iter().all(|i| want.contains(i)));
        for i in &within {
            let e = layer.envelopes[*i].unwrap();
            assert!(
                e.min().x >= r.min().x
                    && e.max().x <= r.max().x
                    && e.min().y >= r.min().y
                    && e.max().y <= r.max().y
            );
        }
    }
}

#[test]
fn nearest_within_distance_is_sorted_and_complete() {
    let layer = generated(1200, 8);
    let c = layer.bbox().unwrap().center();
    let hits = selection::within_distance(&layer, c, 300.0);
    assert!(!hits.is_empty());
    assert!(hits.windows(2).all(|w| w[0].1 <= w[1].1));
    let plane = selection::LocalPlane::new(c);
    let want: Vec<usize> = (0..layer.len())
        .filter(|&i| selection::distance_m(&plane, layer.geometries[i].as_ref().unwrap()) <= 300.0)
        .collect();
    let mut got: Vec<usize> = hits.iter().map(|h| h.0).collect();
    got.sort();
    assert_eq!(got, want);
    // The parcel under the point is at distance 0.
    if let Some(under) = selection::pick(&layer, c) {
        assert_eq!(hits[0].1, 0.0);
        assert!(hits.contains(&(under, 0.0)));
    }
}

#[test]
fn every_area_agrees_with_geographiclib() {
    let layer = generated(2000, 13);
    let mut checked = 0;
    for (i, g) in layer.geometries.iter().enumerate() {
        let want = match g.as_ref().unwrap() {
            Geometry::Polygon(p) => p.geodesic_area_unsigned(),
            Geometry::MultiPolygon(mp) => mp.0.iter().map(|p| p.geodesic_area_unsigned()).sum(),
            _ => continue,
        };
        let got = layer.area_m2[i];
        assert!(
            (got - want).abs() <= 1e-7 * want,
            "feature {i}: {got} vs {want}"
        );
        checked += 1;
    }
    assert_eq!(checked, 2000);
}

#[test]
fn class_statistics_add_up_and_do_not_depend_on_order() {
    let layer = generated(2400, 21);
    let table = stats::group_stats(
        &layer,
        None,
        GroupBy::Class(1),
        AreaMethod::Ellipsoidal,
        &layer.area_m2,
    );
    let total: f64 = layer.area_m2.iter().sum();
    assert!((table.total_area_m2 - total).abs() < 1e-6 * total);
    assert_eq!(table.groups.iter().map(|g| g.count).sum::<usize>(), 2400);
    let cents = |v: f64| (v * 100.0).round() as i64;
    assert_eq!(
        table
            .groups
            .iter()
            .map(|g| cents(g.area_ha_rounded))
            .sum::<i64>(),
        cents(table.total_area_ha_rounded)
    );
    assert_eq!(
        table
            .groups
            .iter()
            .map(|g| cents(g.share_pct_rounded))
            .sum::<i64>(),
        10_000
    );
    assert_eq!(
        table
            .groups
            .iter()
            .map(|g| cents(g.area_mu_rounded))
            .sum::<i64>(),
        cents(table.total_area_mu_rounded)
    );
    for g in &table.groups {
        assert!((g.area_ha_rounded - g.area_ha).abs() <= 0.01 + 1e-9);
        assert_eq!(g.key.len(), 2, "level-1 codes are two digits: {}", g.key);
    }
    // The same features in reverse order give the same table.
    let reversed: Vec<usize> = (0..layer.len()).rev().collect();
    let again = stats::group_stats(
        &layer,
        Some(&reversed),
        GroupBy::Class(1),
        AreaMethod::Ellipsoidal,
        &layer.area_m2,
    );
    assert_eq!(table.groups.len(), again.groups.len());
    for (a, b) in table.groups.iter().zip(&again.groups) {
        assert_eq!(
            (a.key.as_str(), a.count, a.area_ha_rounded),
            (b.key.as_str(), b.count, b.area_ha_rounded)
        );
        assert!((a.area_m2 - b.area_m2).abs() < 1e-6 * a.area_m2);
    }
    // Level-3 groups roll up into level-2 groups.
    let l2 = stats::group_stats(
        &layer,
        None,
        GroupBy::Class(2),
        AreaMethod::Ellipsoidal,
        &layer.area_m2,
    );
    let l3 = stats::group_stats(
        &layer,
        None,
        GroupBy::Class(3),
        AreaMethod::Ellipsoidal,
        &layer.area_m2,
    );
    for g2 in &l2.groups {
        let sum: f64 = l3
            .groups
            .iter()
            .filter(|g| g.key.starts_with(&g2.key))
            .map(|g| g.area_m2)
            .sum();
        assert!((sum - g2.area_m2).abs() < 1e-6 * g2.area_m2, "{}", g2.key);
    }
}

#[test]
fn indicators_and_gauss_kruger_areas() {
    let layer = generated(600, 2);
    let all: Vec<usize> = (0..layer.len()).collect();
    let total: f64 = layer.area_m2.iter().sum();
    let part = stats::Part {
        layer: &layer,
        features: Some(&all),
        areas_m2: &layer.area_m2,
    };
    let ind = stats::indicators_of(&[part], total);
    let far = layer.roles.far.unwrap();
    // Transport, green and open space and water parcels are left out of the
    // indicators, whatever values they carry.
    let table = parcelview::landuse::LanduseTable::global();
    let counted: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| {
            let code = layer.class[i]
                .map(|c| table.class(table.at_level(c, 1)).unwrap().code.clone())
                .unwrap_or_default();
            !["12", "14", "17"].contains(&code.as_str())
        })
        .collect();
    assert!(
        counted.len() > 300 && counted.len() < 600,
        "{}",
        counted.len()
    );
    let gfa: f64 = counted
        .iter()
        .map(|&i| layer.area_m2[i] * layer.value(i, far).as_f64().unwrap())
        .sum();
    assert!((ind.gfa_m2 - gfa).abs() < 1e-6 * gfa);
    assert_eq!(ind.parcels_with_far, counted.len());
    assert_eq!(ind.parcels_excluded, 600 - counted.len());
    let fw = ind.far_weighted.unwrap();
    assert!(fw > 0.5 && fw < 3.5);
    // The generator writes densities as percentages (20–60): read as fractions.
    let d = ind.density_weighted.unwrap();
    assert!(d > 0.2 && d < 0.6, "{d}");

    // Gauss-Krüger plane areas near the central meridian differ from ellipsoidal
    // ones by the squared scale factor (≤ 1e-4 within 65 km of the meridian).
    let method = AreaMethod::gauss_kruger_for(&layer, None);
    assert_eq!(
        method,
        AreaMethod::GaussKruger {
            central_meridian_deg: 120.0
        }
    );
    let gk = stats::feature_areas(&layer, method).unwrap();
    for i in 0..layer.len() {
        let rel = gk[i] / layer.area_m2[i] - 1.0;
        assert!(rel > 0.0 && rel < 1.2e-4, "feature {i}: {rel}");
    }
}

/// A star-shaped (concave) polygon around a centre, like a hand-drawn lasso.
fn star(c: Coord, r: f64, points: usize, s: &mut u64) -> geo::Polygon<f64> {
    let ring: Vec<Coord> = (0..points)
        .map(|k| {
            let a = k as f64 * std::f64::consts::TAU / points as f64;
            let rr = r * (0.35 + 0.65 * lcg(s));
            Coord {
                x: c.x + rr * a.cos(),
                y: c.y + rr * a.sin() * 0.86,
            }
        })
        .collect();
    geo::Polygon::new(selection::ring(&ring), vec![])
}

#[test]
fn lasso_polygons_with_holes_equal_brute_force_in_both_modes() {
    use geo::Contains;
    let layer = generated(4000, 17);
    let bbox = layer.bbox().unwrap();
    let mut s = 99u64;
    let mut nonempty = 0;
    for round in 0..16 {
        let c = Coord {
            x: bbox.min().x + bbox.width() * (0.2 + 0.6 * lcg(&mut s)),
            y: bbox.min().y + bbox.height() * (0.2 + 0.6 * lcg(&mut s)),
        };
        let r = bbox.width() * (0.05 + 0.25 * lcg(&mut s));
        let outer = star(c, r, 5 + round * 7, &mut s);
        // Every other lasso has a hole, and every third is two overlapping pieces.
        let mut polys = vec![if round % 2 == 1 {
            let hole = star(c, r * 0.3, 9, &mut s);
            geo::Polygon::new(outer.exterior().clone(), vec![hole.exterior().clone()])
        } else {
            outer
        }];
        if round % 3 == 0 {
            polys.push(star(
                Coord {
                    x: c.x + r * 0.5,
                    y: c.y,
                },
                r * 0.6,
                11,
                &mut s,
            ));
        }
        // Overlapping pieces are joined first: a multipolygon whose parts overlap is
        // invalid, and geo's predicates do not treat it as their union.
        let area = polys
            .into_iter()
            .map(|p| geo::MultiPolygon(vec![p]))
            .reduce(|a, b| geo::BooleanOps::union(&a, &b))
            .unwrap();
        for mode in [AreaMode::Intersects, AreaMode::Within] {
            let want: Vec<usize> = (0..layer.len())
                .filter(|&i| {
                    let g = layer.geometries[i].as_ref().unwrap();
                    match mode {
                        AreaMode::Intersects => area.intersects(g),
                        AreaMode::Within => area.contains(g),
                    }
                })
                .collect();
            nonempty += usize::from(!want.is_empty());
            assert_eq!(
                selection::in_polygon(&layer, &area, mode),
                want,
                "round {round} {mode:?}"
            );
        }
    }
    assert!(nonempty >= 26, "{nonempty}");
}

#[test]
fn circles_and_lines_equal_brute_force() {
    let layer = generated(3000, 23);
    let bbox = layer.bbox().unwrap();
    let mut s = 7u64;
    for _ in 0..20 {
        let c = Coord {
            x: bbox.min().x + bbox.width() * lcg(&mut s),
            y: bbox.min().y + bbox.height() * lcg(&mut s),
        };
        let radius_m = 50.0 + 800.0 * lcg(&mut s);
        let disc = selection::circle(c, radius_m);
        // The circle is round on the ground: every vertex is radius_m away.
        let plane = selection::LocalPlane::new(c);
        for v in disc.exterior().0.iter() {
            let p = plane.to_plane(*v);
            assert!((p.x.hypot(p.y) - radius_m).abs() < 1e-6 * radius_m);
        }
        let area = geo::MultiPolygon(vec![disc]);
        let want: Vec<usize> = (0..layer.len())
            .filter(|&i| area.intersects(layer.geometries[i].as_ref().unwrap()))
            .collect();
        assert_eq!(
            selection::in_polygon(&layer, &area, AreaMode::Intersects),
            want
        );

        let line = geo::LineString(
            (0..4)
                .map(|_| Coord {
                    x: bbox.min().x + bbox.width() * lcg(&mut s),
                    y: bbox.min().y + bbox.height() * lcg(&mut s),
                })
                .collect(),
        );
        let want: Vec<usize> = (0..layer.len())
            .filter(|&i| line.intersects(layer.geometries[i].as_ref().unwrap()))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(selection::along_line(&layer, &line), want);
    }
}
