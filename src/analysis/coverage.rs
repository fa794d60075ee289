//! Life-circle (生活圈) coverage by straight-line distance: for each facility type,
//! how much residential land (07…) lies within the union of its facilities'
//! service circles.
//!
//! A facility's service radius is its own (`服务半径_m`), else the GB 50180-2018
//! default for its type ([`GB50180_TYPES`]). Coverage is computed on a local plane
//! (see [`super`]): a parcel no circle reaches is uncovered, one inside a single
//! circle wholly covered; one a single circle cuts is measured exactly (the area
//! of a polygon within a disk, edge by edge), and one several circles cut is
//! clipped by the union of those circles drawn as polygons that keep the
//! circles' area (vertices at most 0.05 m off the circle). A parcel's covered m²
//! are its ellipsoidal area times its covered share of its plane area.

use std::collections::BTreeMap;

use geo::{BooleanOps, BoundingRect, Coord, Geometry, InteriorPoint, MultiPolygon, Polygon};
use rayon::prelude::*;
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};
use serde::Serialize;

use super::{AnalysisError, LocalFrame};
use crate::landuse::LanduseTable;
use crate::model::{FieldRole, Layer};

/// The life circles of GB 50180-2018 《城市居住区规划设计标准》, by walking time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum LifeCircle {
    #[serde(rename = "5")]
    FiveMinute,
    #[serde(rename = "10")]
    TenMinute,
    #[serde(rename = "15")]
    FifteenMinute,
}

impl LifeCircle {
    /// The walking distance of the circle, GB 50180-2018 Table 3.0.4 (居住区分级控制
    /// 规模): 5-minute 300 m, 10-minute 500 m, 15-minute 800–1 000 m, of which the
    /// upper figure is taken, as Appendix B gives 1 000 m as the service radius of
    /// the 15-minute circle's facilities (初中, 卫生服务中心).
    pub fn radius_m(self) -> f64 {
        match self {
            LifeCircle::FiveMinute => 300.0,
            LifeCircle::TenMinute => 500.0,
            LifeCircle::FifteenMinute => 1000.0,
        }
    }

    pub fn name(self, chinese: bool) -> &'static str {
        match (self, chinese) {
            (LifeCircle::FiveMinute, true) => "五分钟生活圈",
            (LifeCircle::TenMinute, true) => "十分钟生活圈",
            (LifeCircle::FifteenMinute, true) => "十五分钟生活圈",
            (LifeCircle::FiveMinute, false) => "5-minute life circle",
            (LifeCircle::TenMinute, false) => "10-minute life circle",
            (LifeCircle::FifteenMinute, false) => "15-minute life circle",
        }
    }
}

/// Facility types and the life circle that provides them, from GB 50180-2018
/// Appendix B (配套设施设置规定: Table B.0.1 十五分钟, B.0.2 十分钟, B.0.3 五分钟
/// 生活圈居住区), by the names facility layers use. 中小学 (a school of both
/// stages) takes the primary school's 10-minute circle, the stricter; 一老一小
/// 服务中心 combines the 5-minute circle's 老年人日间照料中心 and 托儿所.
pub const GB50180_TYPES: &[(&str, LifeCircle)] = &[
    ("初中", LifeCircle::FifteenMinute),
    ("中学", LifeCircle::FifteenMinute),
    ("大型多功能运动场地", LifeCircle::FifteenMinute),
    ("卫生服务中心", LifeCircle::FifteenMinute),
    ("社区卫生服务中心", LifeCircle::FifteenMinute),
    ("社区医院", LifeCircle::FifteenMinute),
    ("门诊部", LifeCircle::FifteenMinute),
    ("养老院", LifeCircle::FifteenMinute),
    ("老年养护院", LifeCircle::FifteenMinute),
    ("文化活动中心", LifeCircle::FifteenMinute),
    ("社区服务中心", LifeCircle::FifteenMinute),
    ("街道办事处", LifeCircle::FifteenMinute),
    ("小学", LifeCircle::TenMinute),
    ("中小学", LifeCircle::TenMinute),
    ("中型多功能运动场地", LifeCircle::TenMinute),
    ("菜市场", LifeCircle::TenMinute),
    ("生鲜超市", LifeCircle::TenMinute),
    ("幼儿园", LifeCircle::FiveMinute),
    ("托儿所", LifeCircle::FiveMinute),
    ("老年人日间照料中心", LifeCircle::FiveMinute),
    ("托老所", LifeCircle::FiveMinute),
    ("一老一小服务中心", LifeCircle::FiveMinute),
    ("社区卫生服务站", LifeCircle::FiveMinute),
    ("社区服务站", LifeCircle::FiveMinute),
    ("文化活动站", LifeCircle::FiveMinute),
    ("小型多功能运动场地", LifeCircle::FiveMinute),
    ("室外综合健身场地", LifeCircle::FiveMinute),
    ("社区食堂", LifeCircle::FiveMinute),
];

/// The life circle GB 50180-2018 puts a facility type in, if any.
pub fn life_circle_of(kind: &str) -> Option<LifeCircle> {
    let kind = kind.trim();
    GB50180_TYPES
        .iter()
        .find(|(name, _)| *name == kind)
        .map(|(_, c)| *c)
}

/// The fields a facility layer is read by, in order of preference.
pub const TYPE_FIELDS: &[&str] = &["类型", "设施类型", "type", "kind"];
pub const RADIUS_FIELDS: &[&str] = &["服务半径_m", "服务半径", "service_radius_m", "radius_m"];

/// The largest gap between a service circle and the polygon drawn for it, m.
const CIRCLE_SAGITTA_M: f64 = 0.05;

/// A covered share within a billionth of 0 or 1 is 0 or 1: circles drawn as
/// polygons leave slivers of that order where several of them cover a parcel.
const SHARE_TOLERANCE: f64 = 1e-9;

/// Where a facility's radius comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RadiusSource {
    /// The facility's own 服务半径_m.
    Field,
    /// The GB 50180-2018 default of its type.
    Standard,
}

/// A facility: where it is, its type and its service radius.
#[derive(Debug, Clone, Serialize)]
pub struct Facility {
    /// The feature's position in the facility layer.
    pub feature: usize,
    pub id: String,
    pub name: String,
    pub kind: String,
    #[serde(skip)]
    pub lon_lat: Coord<f64>,
    pub radius_m: Option<f64>,
    pub radius_source: Option<RadiusSource>,
}

/// The facilities of a layer: type from `type_field` (else the first of
/// [`TYPE_FIELDS`] the layer has), radius from the first of [`RADIUS_FIELDS`]
/// that has a positive number, else the GB 50180-2018 default. A polygon
/// facility stands at a point inside it; features without geometry or type are
/// left out.
pub fn read_facilities(layer: &Layer, type_field: Option<&str>) -> Vec<Facility> {
    let kind_col = type_field
        .and_then(|f| layer.field_index(f))
        .or_else(|| TYPE_FIELDS.iter().find_map(|f| layer.field_index(f)));
    let radius_cols: Vec<usize> = RADIUS_FIELDS
        .iter()
        .filter_map(|f| layer.field_index(f))
        .collect();
    let Some(kind_col) = kind_col else {
        return Vec::new();
    };
    (0..layer.len())
        .filter_map(|i| {
            let kind = layer.value(i, kind_col).to_text()?.trim().to_string();
            if kind.is_empty() {
                return None;
            }
            let g = layer.geometries.get(i)?.as_ref()?;
            let lon_lat = match g {
                Geometry::Point(p) => p.0,
                other => other.interior_point()?.0,
            };
            let own = radius_cols.iter().find_map(|&c| {
                layer
                    .value(i, c)
                    .as_f64()
                    .filter(|r| *r > 0.0 && r.is_finite())
            });
            let (radius_m, radius_source) = match own {
                Some(r) => (Some(r), Some(RadiusSource::Field)),
                None => match life_circle_of(&kind) {
                    Some(c) => (Some(c.radius_m()), Some(RadiusSource::Standard)),
                    None => (None, None),
                },
            };
            let name = layer
                .roles
                .name
                .and_then(|f| layer.value(i, f).to_text())
                .unwrap_or_default();
            Some(Facility {
                feature: i,
                id: layer.feature_id(i),
                name,
                kind,
                lon_lat,
                radius_m,
                radius_source,
            })
        })
        .collect()
}

/// Whether a land-use class is residential (07…, 居住用地).
pub fn is_residential(layer: &Layer, feature: usize) -> bool {
    let table = LanduseTable::global();
    layer
        .class
        .get(feature)
        .copied()
        .flatten()
        .and_then(|c| table.class(c))
        .is_some_and(|c| c.code.starts_with("07"))
}

/// A residential parcel on the local plane.
pub struct ResidentialParcel {
    pub feature: usize,
    pub id: String,
    /// Ellipsoidal area, m².
    pub area_m2: f64,
    pub far: Option<f64>,
    /// The parcel on the plane, and its plane area.
    pub local: MultiPolygon<f64>,
    pub local_area_m2: f64,
    /// A point inside it on the plane, where network distance is measured to.
    pub inside_local: Coord<f64>,
    bbox: (Coord<f64>, Coord<f64>),
}

/// The residential parcels of a layer on a plane, with the plane.
pub struct Residential {
    pub frame: LocalFrame,
    pub parcels: Vec<ResidentialParcel>,
}

impl Residential {
    /// The residential parcels (07…) of `layer`, on a plane about the layer's centre.
    pub fn of_layer(layer: &Layer) -> Result<Residential, AnalysisError> {
        let features: Vec<usize> = (0..layer.len())
            .filter(|&i| is_residential(layer, i))
            .collect();
        Residential::of_features(layer, &features)
    }

    /// Some features of a layer, taken as residential parcels.
    pub fn of_features(layer: &Layer, features: &[usize]) -> Result<Residential, AnalysisError> {
        let centre = layer
            .bbox_of(features)
            .or_else(|| layer.bbox())
            .map(|r| r.center())
            .ok_or_else(|| AnalysisError::MissingLayer(format!("{}: no geometry", layer.name)))?;
        let frame = LocalFrame::new(centre)?;
        let parcels = features
            .par_iter()
            .filter_map(|&i| {
                let g = layer.geometries.get(i)?.as_ref()?;
                let local = crate::selection::polygonal(&frame.geometry_to_local(g)?)?;
                let local_area_m2 = geo::Area::unsigned_area(&local);
                let bb = local.bounding_rect()?;
                // The centroid where it lies inside (most parcels), else a point
                // found inside: the search costs more than the rest of the set-up.
                let inside_local = geo::Centroid::centroid(&local)
                    .filter(|c| geo::Contains::contains(&local, c))
                    .or_else(|| local.interior_point())
                    .map(|p| p.0)
                    .unwrap_or(bb.center());
                Some(ResidentialParcel {
                    feature: i,
                    id: layer.feature_id(i),
                    area_m2: layer.area_m2.get(i).copied().unwrap_or(0.0),
                    far: layer.role_f64(i, FieldRole::Far),
                    local,
                    local_area_m2,
                    inside_local,
                    bbox: (bb.min(), bb.max()),
                })
            })
            .collect();
        Ok(Residential { frame, parcels })
    }

    pub fn total_area_m2(&self) -> f64 {
        self.parcels.iter().map(|p| p.area_m2).sum()
    }
}

/// A parcel's coverage by one type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParcelCover {
    /// Covered share of the parcel, 0 to 1.
    pub share: f64,
}

/// Coverage of residential land by one facility type.
#[derive(Debug, Clone, Serialize)]
pub struct TypeCoverage {
    #[serde(rename = "type")]
    pub kind: String,
    /// The GB 50180-2018 life circle of the type, if it has one.
    pub life_circle: Option<LifeCircle>,
    pub facilities: usize,
    /// The largest radius among the type's facilities, m.
    pub radius_m: f64,
    /// Every radius among them, ascending.
    pub radii_m: Vec<f64>,
    /// How many radii came from 服务半径_m and how many from the standard.
    pub radius_from_field: usize,
    pub radius_from_standard: usize,
    pub residential_area_m2: f64,
    pub covered_area_m2: f64,
    pub covered_share: f64,
    pub residential_parcels: usize,
    pub wholly_outside: usize,
    pub partly_outside: usize,
    /// Residential floor area (area × FAR) of the parcels with a FAR, and the
    /// part of it covered, m².
    pub floor_area_m2: f64,
    pub covered_floor_area_m2: f64,
    pub parcels_without_far: usize,
    /// The ids of the parcels wholly outside every circle, and of those partly
    /// outside, sorted.
    pub outside_ids: Vec<String>,
    pub partly_outside_ids: Vec<String>,
    /// Coverage by network distance along the roads, where a road layer is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<super::network::NetworkCoverage>,
}

/// Coverage of every facility type.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageResult {
    pub residential_parcels: usize,
    pub residential_area_m2: f64,
    pub types: Vec<TypeCoverage>,
    /// Types whose facilities have no radius (no 服务半径_m and no default), with
    /// how many facilities each has.
    pub without_radius: Vec<(String, usize)>,
}

/// Facilities by type, types in name order.
pub type FacilitiesByType<'a> = BTreeMap<String, Vec<&'a Facility>>;

/// The facilities grouped by type (types in name order), those without a radius
/// apart.
pub fn by_type(facilities: &[Facility]) -> (FacilitiesByType<'_>, Vec<(String, usize)>) {
    let mut with: BTreeMap<String, Vec<&Facility>> = BTreeMap::new();
    let mut without: BTreeMap<String, usize> = BTreeMap::new();
    for f in facilities {
        if f.radius_m.is_some() {
            with.entry(f.kind.clone()).or_default().push(f);
        } else {
            *without.entry(f.kind.clone()).or_default() += 1;
        }
    }
    without.retain(|k, _| !with.contains_key(k));
    (with, without.into_iter().collect())
}

/// A service circle on the plane.
#[derive(Debug, Clone, Copy)]
pub struct Circle {
    pub centre: Coord<f64>,
    pub radius_m: f64,
}

/// The circles of some facilities on a plane.
pub fn circles_on(frame: &LocalFrame, facilities: &[&Facility]) -> Vec<Circle> {
    facilities
        .iter()
        .filter_map(|f| {
            Some(Circle {
                centre: frame.to_local(f.lon_lat)?,
                radius_m: f.radius_m?,
            })
        })
        .collect()
}

/// The service circles of some facilities as lon/lat polygons, for drawing: round
/// on the ground, vertices at most 0.05 m inside the circle... or outside it,
/// since the polygon keeps the circle's area.
pub fn circles_lon_lat(frame: &LocalFrame, facilities: &[&Facility]) -> Vec<(usize, Polygon<f64>)> {
    facilities
        .iter()
        .filter_map(|f| {
            let c = Circle {
                centre: frame.to_local(f.lon_lat)?,
                radius_m: f.radius_m?,
            };
            let g = frame.geometry_to_lon_lat(&Geometry::Polygon(circle_polygon(c)))?;
            match g {
                Geometry::Polygon(p) => Some((f.feature, p)),
                _ => None,
            }
        })
        .collect()
}

/// A circle as a polygon with the circle's area: `n` vertices (enough that no
/// point of the polygon is more than [`CIRCLE_SAGITTA_M`] off the circle) at the
/// radius that makes the polygon's area πr².
pub fn circle_polygon(c: Circle) -> Polygon<f64> {
    let r = c.radius_m.max(0.0);
    let step = if r > CIRCLE_SAGITTA_M {
        2.0 * (1.0 - CIRCLE_SAGITTA_M / r).acos()
    } else {
        std::f64::consts::FRAC_PI_4
    };
    let n = ((std::f64::consts::TAU / step).ceil() as usize).clamp(16, 4096);
    let a = std::f64::consts::TAU / n as f64;
    let r_equal = r * (std::f64::consts::TAU / (n as f64 * a.sin())).sqrt();
    let ring: Vec<Coord<f64>> = (0..=n)
        .map(|k| {
            let t = a * (k % n) as f64;
            Coord {
                x: c.centre.x + r_equal * t.cos(),
                y: c.centre.y + r_equal * t.sin(),
            }
        })
        .collect();
    Polygon::new(geo::LineString(ring), vec![])
}

type CircleTree = RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>;

fn circle_tree(circles: &[Circle]) -> CircleTree {
    RTree::bulk_load(
        circles
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let r = c.radius_m;
                GeomWithData::new(
                    Rectangle::from_corners(
                        [c.centre.x - r, c.centre.y - r],
                        [c.centre.x + r, c.centre.y + r],
                    ),
                    k,
                )
            })
            .collect(),
    )
}

/// The share of each parcel inside the union of the circles, in parcel order.
pub fn cover_parcels(parcels: &[ResidentialParcel], circles: &[Circle]) -> Vec<ParcelCover> {
    let tree = circle_tree(circles);
    parcels
        .par_iter()
        .map(|p| ParcelCover {
            share: covered_share(p, circles, &tree),
        })
        .collect()
}

fn covered_share(p: &ResidentialParcel, circles: &[Circle], tree: &CircleTree) -> f64 {
    if p.local_area_m2 <= 0.0 {
        return 0.0;
    }
    let env = AABB::from_corners([p.bbox.0.x, p.bbox.0.y], [p.bbox.1.x, p.bbox.1.y]);
    let mut cutting: Vec<Circle> = Vec::new();
    for hit in tree.locate_in_envelope_intersecting(&env) {
        let Some(c) = circles.get(hit.data).copied() else {
            continue;
        };
        let r2 = c.radius_m * c.radius_m;
        let inside = vertices(&p.local).all(|v| dist2(v, c.centre) <= r2);
        if inside {
            // Every vertex within the circle: the parcel is inside it.
            return 1.0;
        }
        if distance_to_polygon(&p.local, c.centre) < c.radius_m {
            cutting.push(c);
        }
    }
    let covered = match cutting.as_slice() {
        [] => 0.0,
        [one] => p
            .local
            .0
            .iter()
            .map(|poly| polygon_disk_area(poly, *one))
            .sum::<f64>(),
        many => {
            let mut union = MultiPolygon::<f64>(vec![]);
            // Circles in a fixed order, so the union's vertices do not depend on the
            // tree's.
            let mut many = many.to_vec();
            many.sort_by(|a, b| {
                a.centre
                    .x
                    .total_cmp(&b.centre.x)
                    .then(a.centre.y.total_cmp(&b.centre.y))
                    .then(a.radius_m.total_cmp(&b.radius_m))
            });
            for c in many {
                union = union.union(&MultiPolygon(vec![circle_polygon(c)]));
            }
            geo::Area::unsigned_area(&p.local.intersection(&union))
        }
    };
    let share = covered / p.local_area_m2;
    if share >= 1.0 - SHARE_TOLERANCE {
        1.0
    } else if share <= SHARE_TOLERANCE {
        0.0
    } else {
        share
    }
}

fn vertices(mp: &MultiPolygon<f64>) -> impl Iterator<Item = Coord<f64>> + '_ {
    mp.0.iter().flat_map(|p| p.exterior().0.iter().copied())
}

fn dist2(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).powi(2) + (a.y - b.y).powi(2)
}

/// The distance from a point to a polygon (0 inside).
fn distance_to_polygon(mp: &MultiPolygon<f64>, p: Coord<f64>) -> f64 {
    use geo::{Distance, Euclidean};
    Euclidean.distance(&geo::Point(p), mp)
}

/// The part of a residential parcel outside one type's service circles, for maps:
/// the parcel wholly when no circle reaches it, else what is left of it outside
/// the circles' union, in lon/lat.
#[derive(Debug, Clone)]
pub struct OutsidePart {
    pub feature: usize,
    pub id: String,
    /// No circle covers any of the parcel.
    pub wholly: bool,
    pub outside_lon_lat: MultiPolygon<f64>,
}

/// The residential parcels of `residential` outside `circles` (wholly or in
/// part), each with its part outside, in parcel order. `covers` are the parcels'
/// shares as [`cover_parcels`] gives them, so the map shows what the table counts.
pub fn outside_parts(
    residential: &Residential,
    circles: &[Circle],
    covers: &[ParcelCover],
) -> Vec<OutsidePart> {
    let tree = circle_tree(circles);
    residential
        .parcels
        .par_iter()
        .zip(covers.par_iter())
        .filter(|(_, c)| c.share < 1.0)
        .filter_map(|(p, c)| {
            let wholly = c.share <= 0.0;
            let local = if wholly {
                p.local.clone()
            } else {
                let env = AABB::from_corners([p.bbox.0.x, p.bbox.0.y], [p.bbox.1.x, p.bbox.1.y]);
                let mut near: Vec<Circle> = tree
                    .locate_in_envelope_intersecting(&env)
                    .filter_map(|hit| circles.get(hit.data).copied())
                    .collect();
                near.sort_by(|a, b| {
                    a.centre
                        .x
                        .total_cmp(&b.centre.x)
                        .then(a.centre.y.total_cmp(&b.centre.y))
                        .then(a.radius_m.total_cmp(&b.radius_m))
                });
                let mut union = MultiPolygon::<f64>(vec![]);
                for c in near {
                    union = union.union(&MultiPolygon(vec![circle_polygon(c)]));
                }
                p.local.difference(&union)
            };
            let g = residential
                .frame
                .geometry_to_lon_lat(&Geometry::MultiPolygon(local))?;
            let outside_lon_lat = crate::selection::polygonal(&g)?;
            Some(OutsidePart {
                feature: p.feature,
                id: p.id.clone(),
                wholly,
                outside_lon_lat,
            })
        })
        .collect()
}

/// The exact area of a polygon (holes included) within a disk.
pub fn polygon_disk_area(poly: &Polygon<f64>, c: Circle) -> f64 {
    let ring_area = |ring: &geo::LineString<f64>| -> f64 {
        ring.lines()
            .map(|l| triangle_disk_area(l.start - c.centre, l.end - c.centre, c.radius_m))
            .sum::<f64>()
            .abs()
    };
    let holes: f64 = poly.interiors().iter().map(ring_area).sum();
    (ring_area(poly.exterior()) - holes).max(0.0)
}

/// The signed area of the triangle (origin, a, b) within the disk of radius `r`
/// about the origin.
fn triangle_disk_area(a: Coord<f64>, b: Coord<f64>, r: f64) -> f64 {
    let cross = |u: Coord<f64>, v: Coord<f64>| u.x * v.y - u.y * v.x;
    let dot = |u: Coord<f64>, v: Coord<f64>| u.x * v.x + u.y * v.y;
    let sector = |u: Coord<f64>, v: Coord<f64>| r * r / 2.0 * cross(u, v).atan2(dot(u, v));
    let d = b - a;
    let qa = dot(d, d);
    if qa == 0.0 {
        return 0.0;
    }
    let qb = 2.0 * dot(a, d);
    let qc = dot(a, a) - r * r;
    let disc = qb * qb - 4.0 * qa * qc;
    if disc <= 0.0 {
        return sector(a, b);
    }
    let root = disc.sqrt();
    let (t1, t2) = ((-qb - root) / (2.0 * qa), (-qb + root) / (2.0 * qa));
    if t2 <= 0.0 || t1 >= 1.0 {
        return sector(a, b);
    }
    let at = |t: f64| Coord {
        x: a.x + d.x * t,
        y: a.y + d.y * t,
    };
    let (p1, p2) = (at(t1.max(0.0)), at(t2.min(1.0)));
    sector(a, p1) + cross(p1, p2) / 2.0 + sector(p2, b)
}

/// Sums one type's coverage from its parcels' shares.
pub fn summarise(
    kind: &str,
    facilities: &[&Facility],
    residential: &Residential,
    covers: &[ParcelCover],
) -> TypeCoverage {
    let mut radii: Vec<f64> = facilities.iter().filter_map(|f| f.radius_m).collect();
    radii.sort_by(f64::total_cmp);
    radii.dedup();
    let mut t = TypeCoverage {
        kind: kind.to_string(),
        life_circle: life_circle_of(kind),
        facilities: facilities.len(),
        radius_m: radii.last().copied().unwrap_or(0.0),
        radii_m: radii,
        radius_from_field: facilities
            .iter()
            .filter(|f| f.radius_source == Some(RadiusSource::Field))
            .count(),
        radius_from_standard: facilities
            .iter()
            .filter(|f| f.radius_source == Some(RadiusSource::Standard))
            .count(),
        residential_area_m2: 0.0,
        covered_area_m2: 0.0,
        covered_share: 0.0,
        residential_parcels: residential.parcels.len(),
        wholly_outside: 0,
        partly_outside: 0,
        floor_area_m2: 0.0,
        covered_floor_area_m2: 0.0,
        parcels_without_far: 0,
        outside_ids: Vec::new(),
        partly_outside_ids: Vec::new(),
        network: None,
    };
    for (p, c) in residential.parcels.iter().zip(covers) {
        let covered = p.area_m2 * c.share;
        t.residential_area_m2 += p.area_m2;
        t.covered_area_m2 += covered;
        match p.far {
            Some(far) => {
                t.floor_area_m2 += p.area_m2 * far;
                t.covered_floor_area_m2 += covered * far;
            }
            None => t.parcels_without_far += 1,
        }
        if c.share <= 0.0 {
            t.wholly_outside += 1;
            t.outside_ids.push(p.id.clone());
        } else if c.share < 1.0 {
            t.partly_outside += 1;
            t.partly_outside_ids.push(p.id.clone());
        }
    }
    t.covered_share = if t.residential_area_m2 > 0.0 {
        t.covered_area_m2 / t.residential_area_m2
    } else {
        0.0
    };
    t.outside_ids.sort();
    t.partly_outside_ids.sort();
    t
}

/// Straight-line coverage of every facility type with a radius.
pub fn straight_line(residential: &Residential, facilities: &[Facility]) -> CoverageResult {
    let (types, without_radius) = by_type(facilities);
    let types = types
        .iter()
        .map(|(kind, fs)| {
            let circles = circles_on(&residential.frame, fs);
            let covers = cover_parcels(&residential.parcels, &circles);
            summarise(kind, fs, residential, &covers)
        })
        .collect();
    CoverageResult {
        residential_parcels: residential.parcels.len(),
        residential_area_m2: residential.total_area_m2(),
        types,
        without_radius,
    }
}
