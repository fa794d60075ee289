//! The obstacle limitation surfaces (净空) against hand-computed heights at points
//! on each surface and at their borders, the lowest limit over polygons against a
//! dense sampling, and the clearance check of the bundled project (JSON, CSV,
//! table and XLSX read back).

use std::path::PathBuf;

use geo::{Coord, Geometry, LineString, Polygon};
use parcelview::analysis::LocalFrame;
use parcelview::analysis::clearance;
use parcelview::analysis::command::{self, OutputFormat};
use parcelview::analysis::ols::{Limit, SurfaceKind, Surfaces};
use parcelview::analysis::runway::Runway;
use parcelview::project::Project;

fn c(x: f64, y: f64) -> Coord<f64> {
    Coord { x, y }
}

/// A 3 400 m × 50 m runway at Nanhu airport, 20° north of east, drawn as a
/// polygon in lon/lat from a plane along its axis.
fn surfaces() -> Surfaces {
    let centre = c(120.6806, 30.7067);
    let a = 20f64.to_radians();
    let frame = LocalFrame::along(centre, c(a.cos(), a.sin())).unwrap();
    let ring: Vec<Coord<f64>> = [
        (-1700.0, -25.0),
        (1700.0, -25.0),
        (1700.0, 25.0),
        (-1700.0, 25.0),
        (-1700.0, -25.0),
    ]
    .iter()
    .map(|&(u, v)| frame.to_lon_lat(c(u, v)).unwrap())
    .collect();
    let runway = Runway::from_geometry(
        &Geometry::Polygon(Polygon::new(LineString(ring), vec![])),
        "test",
    )
    .unwrap();
    Surfaces::new(runway)
}

fn at(s: &Surfaces, u: f64, v: f64) -> Option<Limit> {
    s.limit_at_local(c(u, v))
}

#[track_caller]
fn assert_limit(s: &Surfaces, u: f64, v: f64, height: f64, kind: SurfaceKind) {
    let l = at(s, u, v).unwrap_or_else(|| panic!("({u}, {v}) is covered"));
    assert!(
        (l.height_m - height).abs() < 1e-5,
        "({u}, {v}): {} m on {:?}, expected {height} m",
        l.height_m,
        l.surface
    );
    assert_eq!(l.surface, kind, "({u}, {v})");
}

#[test]
fn the_runway_is_read_back_from_its_polygon() {
    let s = surfaces();
    let r = &s.runway;
    assert!((r.length_m - 3400.0).abs() < 1e-3, "{}", r.length_m);
    assert!((r.width_m - 50.0).abs() < 1e-3, "{}", r.width_m);
    // 20° north of east is a true bearing of about 70° (the plane's grid north is
    // true north at its own central meridian).
    assert!((r.bearing_deg - 70.0).abs() < 0.01, "{}", r.bearing_deg);
    let centre = r.frame.to_local(c(120.6806, 30.7067)).unwrap();
    assert!(centre.x.hypot(centre.y) < 1e-3, "{centre:?}");
    // 70° is nearer east (90°) than north-east (45°).
    assert_eq!(r.end_name(1, true), "东端");
    assert_eq!(r.end_name(0, true), "西端");
    // The plane is the runway's: its thresholds lie at u = ±1 700, v = 0.
    for (k, t) in r.thresholds_lon_lat.iter().enumerate() {
        let p = r.frame.to_local(*t).unwrap();
        let u = if k == 1 { 1700.0 } else { -1700.0 };
        assert!((p.x - u).abs() < 1e-3 && p.y.abs() < 1e-3, "{p:?}");
    }
}

#[test]
fn heights_at_points_on_each_surface_and_at_their_borders() {
    let s = surfaces();
    use SurfaceKind::*;
    // The strip: 60 m beyond each threshold, 140 m each side; its corner is in it.
    assert_limit(&s, 0.0, 0.0, 0.0, Strip);
    assert_limit(&s, 1760.0, 140.0, 0.0, Strip);
    assert_limit(&s, -1760.0, -140.0, 0.0, Strip);
    // Transitional beside the strip: 14.3 % beyond 140 m.
    assert_limit(&s, 0.0, 240.0, 14.3, Transitional);
    assert_limit(&s, 1000.0, -300.0, 0.143 * 160.0, Transitional);
    assert_limit(&s, -1700.0, 340.0, 0.143 * 200.0, Transitional);
    // At the strip's end the transitional surface beside the approach (whose
    // inner edge is 150 m from the centreline, 10 m wider than the strip) is the
    // lower of the two.
    assert_limit(&s, -1760.0, 340.0, 0.143 * 190.0, Transitional);
    // ... up to 45 m, where the inner horizontal takes over.
    let top = 140.0 + 45.0 / 0.143;
    assert_limit(
        &s,
        500.0,
        top - 1.0,
        0.143 * (top - 1.0 - 140.0),
        Transitional,
    );
    assert_limit(&s, 500.0, top + 1.0, 45.0, InnerHorizontal);
    // Inner horizontal, 45 m within 4 000 m of the segment between the strip ends,
    // its edge included.
    assert_limit(&s, 0.0, 2000.0, 45.0, InnerHorizontal);
    assert_limit(&s, 0.0, -4000.0, 45.0, InnerHorizontal);
    assert_limit(
        &s,
        -1760.0 - 4000.0 * 0.6,
        4000.0 * 0.8,
        45.0,
        InnerHorizontal,
    );
    // Conical: 5 % beyond, up to 145 m at 6 000 m; nothing beyond.
    assert_limit(&s, 0.0, 5000.0, 95.0, Conical);
    assert_limit(&s, 1000.0, -4000.5, 45.025, Conical);
    assert_limit(&s, 1760.0 + 3000.0, 4000.0, 95.0, Conical);
    assert_limit(&s, 0.0, 6000.0, 145.0, Conical);
    assert!(at(&s, 0.0, 6000.1).is_none());
    assert!(at(&s, -1760.0 - 6000.0 * 0.8, -6000.0 * 0.6 - 0.1).is_none());
    // Approach, first section at 2 %: on the centreline it ties the take-off climb
    // surface (the approach is listed first), off it the approach alone.
    assert_limit(&s, 1760.0 + 1000.0, 0.0, 20.0, Approach);
    assert_limit(&s, 1760.0 + 1000.0, 250.0, 20.0, Approach);
    assert_limit(&s, -1760.0 - 1000.0, -299.0, 20.0, Approach);
    assert_eq!(at(&s, 1760.0 + 1000.0, 250.0).unwrap().end, Some(1));
    assert_eq!(at(&s, -1760.0 - 1000.0, -299.0).unwrap().end, Some(0));
    // Second section at 2.5 %, 6 000 m out and outside the take-off climb surface
    // (600 m) and the conical surface (6 053 m from the strip end).
    assert_limit(&s, 1760.0 + 6000.0, 800.0, 60.0 + 0.025 * 3000.0, Approach);
    // Level at 150 m from 6 600 m to 15 000 m, the end included; nothing beyond.
    assert_limit(&s, -1760.0 - 8000.0, 1000.0, 150.0, Approach);
    assert_limit(&s, 1760.0 + 15000.0, 0.0, 150.0, Approach);
    assert_limit(&s, 1760.0 + 15000.0, 2400.0, 150.0, Approach);
    assert!(at(&s, 1760.0 + 15000.1, 0.0).is_none());
    assert!(at(&s, 1760.0 + 12000.0, 150.0 + 0.15 * 12000.0 + 0.1).is_none());
    // Take-off climb at 2 %, under the approach beyond 3 000 m, to its final
    // 1 200 m width (the edge included).
    assert_limit(&s, 1760.0 + 6000.0, 300.0, 120.0, TakeOffClimb);
    assert_limit(&s, -1760.0 - 7000.0, 600.0, 140.0, TakeOffClimb);
    assert_limit(&s, 1760.0 + 7000.0, 601.0, 150.0, Approach);
    // Near the axis 5 000 m out the conical surface (95 m) is below both.
    assert_limit(&s, 1760.0 + 5000.0, 0.0, 95.0, Conical);
    // Transitional beside the approach: from the approach's edge (225 m at
    // 500 m out) at 14.3 %, up to 45 m.
    assert_limit(&s, 1760.0 + 500.0, 300.0, 10.0 + 0.143 * 75.0, Transitional);
    assert_eq!(at(&s, 1760.0 + 500.0, 300.0).unwrap().end, Some(1));
    // On the approach's edge both give 10 m.
    assert!((at(&s, 1760.0 + 500.0, 225.0).unwrap().height_m - 10.0).abs() < 1e-6);
    assert_limit(&s, 1760.0 + 500.0, 224.0, 10.0, Approach);
    let h = 0.02 * 2000.0 + 0.143 * (500.0 - 450.0);
    assert!(h > 45.0);
    assert_limit(&s, 1760.0 + 2000.0, 500.0, 45.0, InnerHorizontal);
    assert_limit(
        &s,
        1760.0 + 2000.0,
        460.0,
        40.0 + 0.143 * 10.0,
        Transitional,
    );
    // Both directions are the same.
    for (u, v) in [
        (2300.0, 100.0),
        (3000.0, 700.0),
        (9000.0, -1500.0),
        (300.0, 4500.0),
    ] {
        assert_eq!(
            at(&s, u, v),
            at(&s, -u, -v).map(|l| Limit {
                end: l.end.map(|e| 1 - e),
                ..l
            })
        );
        let a = at(&s, u, v).map(|l| l.height_m);
        let b = at(&s, -u, v).map(|l| l.height_m);
        assert_eq!(a, b, "({u}, {v})");
    }
}

#[test]
fn limits_at_lon_lat_points_agree_with_the_plane() {
    let s = surfaces();
    let frame = &s.runway.frame;
    for (u, v) in [
        (0.0, 240.0),
        (2760.0, 250.0),
        (-9760.0, 1000.0),
        (0.0, 5000.0),
    ] {
        let ll = frame.to_lon_lat(c(u, v)).unwrap();
        let a = s.limit_at(ll).unwrap().height_m;
        let b = at(&s, u, v).unwrap().height_m;
        assert!((a - b).abs() < 1e-6, "({u}, {v}): {a} vs {b}");
    }
}

fn square(u0: f64, v0: f64, u1: f64, v1: f64) -> Polygon<f64> {
    Polygon::new(
        LineString(vec![c(u0, v0), c(u1, v0), c(u1, v1), c(u0, v1), c(u0, v0)]),
        vec![],
    )
}

fn lowest(s: &Surfaces, p: Polygon<f64>) -> Option<Limit> {
    s.lowest_over_local(&Geometry::Polygon(p))
}

#[test]
fn the_lowest_limit_over_polygons() {
    let s = surfaces();
    // Straddling the inner horizontal's edge: its inner part.
    assert!(
        (lowest(&s, square(-50.0, 3900.0, 50.0, 4100.0))
            .unwrap()
            .height_m
            - 45.0)
            .abs()
            < 1e-9
    );
    // Wholly on the conical surface: at its edge nearest the runway.
    let l = lowest(&s, square(-50.0, 4500.0, 50.0, 4600.0)).unwrap();
    assert!(
        (l.height_m - 70.0).abs() < 1e-6 && l.surface == SurfaceKind::Conical,
        "{l:?}"
    );
    // Under the approach, 2 000 m out: the edge nearest the strip, not a vertex
    // of the polygon's far side.
    let l = lowest(&s, square(1760.0 + 2000.0, -50.0, 1760.0 + 2100.0, 50.0)).unwrap();
    assert!((l.height_m - 40.0).abs() < 1e-6, "{l:?}");
    // A parcel that holds the strip is 0; one whose hole holds it is not: its
    // lowest point is on the hole's edge, 240 m beyond the strip end.
    let whole = square(-3000.0, -3000.0, 3000.0, 3000.0);
    assert_eq!(lowest(&s, whole.clone()).unwrap().height_m, 0.0);
    let holed = Polygon::new(
        whole.exterior().clone(),
        vec![square(-2000.0, -1000.0, 2000.0, 1000.0).exterior().clone()],
    );
    let l = lowest(&s, holed).unwrap();
    assert!((l.height_m - 0.02 * 240.0).abs() < 1e-6, "{l:?}");
    // An edge crossing the strip without a vertex in it.
    let thin = Polygon::new(
        LineString(vec![
            c(-100.0, -500.0),
            c(-90.0, -500.0),
            c(-90.0, 500.0),
            c(-100.0, 500.0),
            c(-100.0, -500.0),
        ]),
        vec![],
    );
    assert_eq!(lowest(&s, thin).unwrap().surface, SurfaceKind::Strip);
    // Far away: no surface.
    assert!(lowest(&s, square(30000.0, 0.0, 30100.0, 100.0)).is_none());
    // A parcel reaching out of the surfaces takes its covered part's lowest.
    let l = lowest(&s, square(-100.0, 5900.0, 100.0, 6100.0)).unwrap();
    assert!((l.height_m - 140.0).abs() < 1e-6, "{l:?}");
}

/// A small deterministic generator for the sampled comparison.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn the_lowest_over_a_polygon_equals_a_dense_sampling_of_it() {
    let s = surfaces();
    let mut rng = Lcg(7);
    for _ in 0..300 {
        // A random quadrilateral (possibly non-convex) somewhere over the surfaces.
        let cu = (rng.next() - 0.5) * 24000.0;
        let cv = (rng.next() - 0.5) * 9000.0;
        let size = 50.0 + rng.next() * 600.0;
        let pts: Vec<Coord<f64>> = (0..5)
            .map(|k| {
                let a = k as f64 / 5.0 * std::f64::consts::TAU;
                let r = size * (0.3 + 0.7 * rng.next());
                c(cu + r * a.cos(), cv + r * a.sin())
            })
            .collect();
        let mut ring = pts.clone();
        ring.push(pts[0]);
        let poly = Polygon::new(LineString(ring.clone()), vec![]);
        let exact = lowest(&s, poly.clone()).map(|l| l.height_m);
        // Sample the boundary densely and the inside on a grid.
        let mut sampled: Option<f64> = None;
        let mut take = |p: Coord<f64>| {
            if let Some(l) = at(&s, p.x, p.y) {
                sampled = Some(sampled.map_or(l.height_m, |m: f64| m.min(l.height_m)));
            }
        };
        for w in ring.windows(2) {
            for k in 0..=400 {
                let t = k as f64 / 400.0;
                take(c(
                    w[0].x + (w[1].x - w[0].x) * t,
                    w[0].y + (w[1].y - w[0].y) * t,
                ));
            }
        }
        use geo::Contains;
        for i in 0..40 {
            for j in 0..40 {
                let p = c(
                    cu - size + 2.0 * size * i as f64 / 39.0,
                    cv - size + 2.0 * size * j as f64 / 39.0,
                );
                if poly.contains(&geo::Point(p)) {
                    take(p);
                }
            }
        }
        match (exact, sampled) {
            (Some(e), Some(m)) => {
                // The exact lowest is never above a sampled point, and sampling
                // every 0.4 % of an edge comes within a few centimetres of it.
                assert!(e <= m + 1e-9, "exact {e} above sampled {m} at ({cu}, {cv})");
                assert!(
                    m - e < 0.05 * size / 100.0 + 0.02,
                    "exact {e}, sampled {m} at ({cu}, {cv}) size {size}"
                );
            }
            (None, None) => {}
            (e, m) => {
                // A polygon only grazing a surface can be missed by the sampling.
                assert!(
                    e.is_some() && m.is_none(),
                    "exact {e:?}, sampled {m:?} at ({cu}, {cv})"
                );
            }
        }
    }
}

#[test]
fn outlines_and_contours_for_the_map() {
    let s = surfaces();
    let outlines = s.outlines();
    let count = |k: SurfaceKind| outlines.iter().filter(|o| o.surface == k).count();
    assert_eq!(count(SurfaceKind::Strip), 1);
    assert_eq!(count(SurfaceKind::Transitional), 6);
    assert_eq!(count(SurfaceKind::InnerHorizontal), 1);
    assert_eq!(count(SurfaceKind::Conical), 1);
    assert_eq!(count(SurfaceKind::Approach), 2);
    assert_eq!(count(SurfaceKind::TakeOffClimb), 2);
    // The inner horizontal outline is 4 000 m from the strip ends' segment.
    let ih = outlines
        .iter()
        .find(|o| o.surface == SurfaceKind::InnerHorizontal)
        .unwrap();
    for p in &ih.polygon_lon_lat.exterior().0 {
        let q = s.runway.frame.to_local(*p).unwrap();
        let du = (q.x.abs() - 1760.0).max(0.0);
        let r = du.hypot(q.y);
        assert!((r - 4000.0).abs() < 0.01, "{r}");
    }
    let contours = s.contours(10.0, 25.0);
    let levels: Vec<f64> = contours.iter().map(|c| c.height_m).collect();
    assert_eq!(
        levels,
        (1..=15).map(|k| k as f64 * 10.0).collect::<Vec<_>>()
    );
    // Along every contour, the limit is its height: exactly within a surface,
    // and within what a 25 m cell's corner-cutting allows where two meet.
    for contour in &contours {
        let mut exact = 0;
        let mut total = 0;
        for line in &contour.lines_lon_lat {
            let local: Vec<Coord<f64>> = line
                .0
                .iter()
                .map(|p| s.runway.frame.to_local(*p).unwrap())
                .collect();
            for w in local.windows(2) {
                let len = (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
                let n = (len / 10.0).ceil().max(1.0) as usize;
                for k in 0..n {
                    let t = k as f64 / n as f64;
                    let p = c(
                        w[0].x + (w[1].x - w[0].x) * t,
                        w[0].y + (w[1].y - w[0].y) * t,
                    );
                    let h = at(&s, p.x, p.y).map(|l| l.height_m).unwrap_or(f64::NAN);
                    total += 1;
                    if (h - contour.height_m).abs() < 0.05 {
                        exact += 1;
                    }
                    // Where the limit steps (beside an approach surface that
                    // lies below the conical), the contour runs along the step:
                    // the level is crossed within a cell either way.
                    let near: Vec<f64> = (0..8)
                        .map(|k| {
                            let a = k as f64 * std::f64::consts::FRAC_PI_4;
                            at(&s, p.x + 36.0 * a.cos(), p.y + 36.0 * a.sin())
                                .map_or(f64::NAN, |l| l.height_m)
                        })
                        .collect();
                    let lo = near.iter().copied().fold(h, f64::min);
                    let hi = near.iter().copied().fold(h, f64::max);
                    assert!(
                        lo <= contour.height_m && contour.height_m <= hi,
                        "{} m contour at {h} m",
                        contour.height_m
                    );
                }
            }
        }
        assert!(
            exact * 100 >= total * 90,
            "{} m: {exact} of {total} on the level",
            contour.height_m
        );
        assert!(contour.label_lon_lat.is_some());
    }
    // The 20 m contour crosses both approaches and runs beside the strip.
    let c20 = contours.iter().find(|c| c.height_m == 20.0).unwrap();
    let mut local: Vec<Coord<f64>> = Vec::new();
    for line in &c20.lines_lon_lat {
        let pts: Vec<Coord<f64>> = line
            .0
            .iter()
            .map(|p| s.runway.frame.to_local(*p).unwrap())
            .collect();
        for w in pts.windows(2) {
            for k in 0..=100 {
                let t = k as f64 / 100.0;
                local.push(c(
                    w[0].x + (w[1].x - w[0].x) * t,
                    w[0].y + (w[1].y - w[0].y) * t,
                ));
            }
        }
    }
    assert!(
        local
            .iter()
            .any(|p| (p.x - 2760.0).abs() < 1.0 && p.y.abs() < 10.0)
    );
    assert!(
        local
            .iter()
            .any(|p| (p.x + 2760.0).abs() < 1.0 && p.y.abs() < 10.0)
    );
    assert!(
        local
            .iter()
            .any(|p| p.x.abs() < 100.0 && (p.y.abs() - (140.0 + 20.0 / 0.143)).abs() < 0.5)
    );
}

fn bundled() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json")
}

#[test]
fn the_bundled_plan_respects_its_airport() {
    let project = Project::open(&bundled()).unwrap();
    let (surfaces, parcels, result) = command::project_clearance(&project).unwrap();
    assert!((surfaces.runway.length_m - 3400.0).abs() < 0.5);
    assert_eq!(result.parcels.len(), parcels.len());
    let conflicts: Vec<String> = result
        .conflicting()
        .iter()
        .map(|p| format!("{} {:?} > {:?}", p.id, p.height_limit_m, p.ols_min_m))
        .collect();
    assert!(
        conflicts.is_empty(),
        "{} conflicts: {conflicts:?}",
        conflicts.len()
    );
    // The whole district lies under the surfaces, the airport's own land on the
    // strip without a 限高.
    assert_eq!(result.covered, parcels.len());
    let flight = result
        .parcels
        .iter()
        .filter(|p| p.ols_min_m == Some(0.0))
        .collect::<Vec<_>>();
    assert!(
        !flight.is_empty()
            && flight
                .iter()
                .all(|p| p.id.starts_with("KG-A-") && p.height_limit_m.is_none())
    );
    // The surfaces shape the plan: low limits under the approaches and high ones
    // only on the conical surface.
    let approach = result
        .parcels
        .iter()
        .filter(|p| p.surface == Some(SurfaceKind::Approach) && p.height_limit_m.is_some())
        .count();
    assert!(approach > 10, "{approach} parcels under the approaches");
    for p in &result.parcels {
        if p.height_limit_m.is_some_and(|h| h > 45.0) {
            assert_eq!(p.surface, Some(SurfaceKind::Conical), "{}", p.id);
        }
        let line = clearance::card_line(p, true).unwrap();
        assert!(
            line.starts_with("净空限高 ") && line.contains(" m（"),
            "{line}"
        );
    }
}

#[test]
fn the_clearance_command_prints_json_csv_and_a_table_and_writes_a_workbook() {
    let mut out = Vec::new();
    command::clearance_command(&bundled(), OutputFormat::Json, None, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let parcels = v["parcels"].as_array().unwrap();
    assert!(parcels.len() > 2000);
    assert_eq!(v["conflicts"], 0);
    for p in parcels {
        for key in ["id", "height_limit_m", "ols_min_m", "conflict"] {
            assert!(p.get(key).is_some(), "{key} in {p}");
        }
    }
    let p = parcels.iter().find(|p| p["id"] == "KG-A-0001").unwrap();
    assert!(p["height_limit_m"].is_null() && p["conflict"] == false);
    assert!((v["runway"]["length_m"].as_f64().unwrap() - 3400.0).abs() < 0.5);

    let mut csv = Vec::new();
    command::clearance_command(&bundled(), OutputFormat::Csv, None, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,height_limit_m,ols_min_m,surface,runway_end,conflict,excess_m"
    );
    assert_eq!(lines.count(), parcels.len());

    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("净空.csv");
    let err = command::clearance_command(
        &bundled(),
        OutputFormat::Json,
        Some(&wrong),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains(".xlsx") && !wrong.exists(),
        "{err}"
    );
    let xlsx = dir.path().join("净空.xlsx");
    let mut table = Vec::new();
    command::clearance_command(&bundled(), OutputFormat::Table, Some(&xlsx), &mut table).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("限高超出净空面 0 个"), "{table}");
    assert!(table.contains("地块编号") && table.contains("内水平面") && table.contains("进近面"));

    use calamine::{Data, Reader, Xlsx, open_workbook};
    let num = |d: &Data| match d {
        Data::Float(v) => Some(*v),
        _ => None,
    };
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["净空核查".to_string(), "净空面参数".to_string()]
    );
    let sheet = wb.worksheet_range("净空核查").unwrap();
    assert_eq!(sheet.height(), parcels.len() + 3);
    let head: Vec<String> = sheet
        .rows()
        .nth(2)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(head[0], "地块编号");
    assert_eq!(head[4], "净空限高（m）");
    let verdicts: Vec<String> = sheet.rows().skip(3).map(|r| r[8].to_string()).collect();
    assert!(
        verdicts.iter().all(|v| v == "符合" || v == "无限高"),
        "{verdicts:?}"
    );
    // The numbers are numbers, and match the JSON.
    let row = sheet
        .rows()
        .skip(3)
        .find(|r| r[0] == Data::String(parcels[100]["id"].as_str().unwrap().to_string()))
        .unwrap();
    let limit = num(&row[4]).unwrap();
    assert!((limit - parcels[100]["ols_min_m"].as_f64().unwrap()).abs() < 1e-9);
    let params = wb.worksheet_range("净空面参数").unwrap();
    assert!(params.rows().any(|r| r[0] == Data::String("进近面".into())
        && r[1] == Data::String("第二段坡度".into())
        && num(&r[2]) == Some(2.5)));
}
