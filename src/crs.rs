//! Coordinate reference systems: reading the names files use, detecting projected
//! coordinates that arrive without a name, and reprojecting to lon/lat once at load.
//!
//! Projections come from proj4rs with the EPSG definitions of crs-definitions, a
//! pure-Rust pair that needs no C PROJ on a planner's workstation. CGCS2000 and
//! WGS84 are treated as the same datum (they differ by centimetres), as planning
//! offices do.

use geo::{Coord, Geometry};
use proj4rs::Proj;
use proj4rs::transform::{Transform, TransformClosure, transform};

/// A coordinate reference system a layer's source was in.
#[derive(Debug, Clone, PartialEq)]
pub struct Crs {
    /// How the CRS is named in messages, e.g. `EPSG:4549`.
    pub label: String,
    pub kind: CrsKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CrsKind {
    /// Longitude/latitude in degrees (EPSG:4326, 4490, CRS84, …).
    Geographic,
    /// Projected coordinates in metres, defined by a proj4 string.
    Projected { proj4: String },
    /// GCJ-02, the offset lon/lat of AMap, Tencent and DataV (converted at load).
    Gcj02,
    /// BD-09, Baidu's further offset of GCJ-02 (converted at load).
    Bd09,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CrsError {
    #[error(
        "unknown coordinate reference system '{0}' (use EPSG:<code>, a CRS URN or a +proj string)"
    )]
    Unknown(String),
    #[error(
        "coordinate reference system '{0}' is geocentric; only geographic and projected systems are supported"
    )]
    Geocentric(String),
    #[error("cannot set up projection '{label}': {reason}")]
    Projection { label: String, reason: String },
    #[error(
        "cannot reproject coordinate ({}, {}) from {label}: {reason}",
        crate::model::format_float(*.x),
        crate::model::format_float(*.y)
    )]
    Point {
        label: String,
        x: f64,
        y: f64,
        reason: String,
    },
}

impl Crs {
    /// WGS84 longitude/latitude, the default of RFC 7946.
    pub fn wgs84() -> Crs {
        Crs {
            label: "EPSG:4326".into(),
            kind: CrsKind::Geographic,
        }
    }

    pub fn is_geographic(&self) -> bool {
        matches!(self.kind, CrsKind::Geographic)
    }

    /// Parses the CRS names found in files and on the command line:
    /// `EPSG:4549`, `4549`, `urn:ogc:def:crs:EPSG::4549`, `urn:ogc:def:crs:EPSG:6.6:4326`,
    /// `urn:ogc:def:crs:OGC:1.3:CRS84`, `CRS84`, and `+proj=…` strings.
    pub fn parse(text: &str) -> Result<Crs, CrsError> {
        let t = text.trim();
        if t.starts_with('+') || t.starts_with("proj=") {
            let proj4 = if t.starts_with('+') {
                t.to_string()
            } else {
                format!("+{t}")
            };
            let kind = if proj4.contains("+proj=longlat") || proj4.contains("+proj=latlong") {
                CrsKind::Geographic
            } else if proj4.contains("+proj=geocent") {
                return Err(CrsError::Geocentric(t.to_string()));
            } else {
                CrsKind::Projected { proj4 }
            };
            return Ok(Crs {
                label: t.to_string(),
                kind,
            });
        }
        let upper = t.to_ascii_uppercase();
        let bare: String = upper
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        if bare == "GCJ02" || bare == "GCJ" || bare == "AMAP" {
            return Ok(Crs {
                label: "GCJ-02".into(),
                kind: CrsKind::Gcj02,
            });
        }
        if bare == "BD09" || bare == "BD09LL" || bare == "BAIDU" {
            return Ok(Crs {
                label: "BD-09".into(),
                kind: CrsKind::Bd09,
            });
        }
        if upper.starts_with("PROJCS[") || upper.starts_with("GEOGCS[") {
            return Crs::from_wkt(t).map_err(|_| CrsError::Unknown(t.chars().take(80).collect()));
        }
        if upper.ends_with("CRS84") || upper.ends_with("CRS:84") {
            return Ok(Crs {
                label: "OGC:CRS84".into(),
                kind: CrsKind::Geographic,
            });
        }
        // The EPSG code is the last run of digits after the authority, whatever the
        // URN's version part says.
        let code_text = if upper.contains("EPSG") {
            upper
                .rsplit(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap_or("")
        } else {
            upper.as_str()
        };
        let code: u16 = code_text
            .parse()
            .map_err(|_| CrsError::Unknown(t.to_string()))?;
        Crs::from_epsg(code).ok_or_else(|| CrsError::Unknown(t.to_string()))
    }

    /// The CRS for an EPSG code, from the bundled definitions.
    pub fn from_epsg(code: u16) -> Option<Crs> {
        let def = crs_definitions::from_code(code)?;
        let proj4 = def.proj4.trim().to_string();
        let kind = if proj4.contains("+proj=longlat") {
            CrsKind::Geographic
        } else if proj4.contains("+proj=geocent") || proj4.is_empty() {
            return None;
        } else {
            CrsKind::Projected { proj4 }
        };
        Some(Crs {
            label: format!("EPSG:{code}"),
            kind,
        })
    }

    /// The central meridian (degrees) when this is a transverse Mercator projection.
    pub fn central_meridian_deg(&self) -> Option<f64> {
        match &self.kind {
            CrsKind::Projected { proj4 } if proj4.contains("+proj=tmerc") => proj4
                .split_whitespace()
                .find_map(|p| p.strip_prefix("+lon_0="))
                .and_then(|v| v.parse().ok()),
            _ => None,
        }
    }
}

/// One node of WKT1 (`NAME[item, …]`): its keyword and items.
#[derive(Debug, Clone, PartialEq)]
enum WktItem {
    Node(String, Vec<WktItem>),
    Text(String),
    Number(f64),
}

impl WktItem {
    fn children(&self, keyword: &str) -> impl Iterator<Item = &WktItem> {
        let items: &[WktItem] = match self {
            WktItem::Node(_, items) => items,
            _ => &[],
        };
        items
            .iter()
            .filter(move |i| matches!(i, WktItem::Node(k, _) if k.eq_ignore_ascii_case(keyword)))
    }

    fn child(&self, keyword: &str) -> Option<&WktItem> {
        self.children(keyword).next()
    }

    /// The node's first item when it is text (its name).
    fn name(&self) -> Option<&str> {
        match self {
            WktItem::Node(_, items) => match items.first() {
                Some(WktItem::Text(t)) => Some(t),
                _ => None,
            },
            _ => None,
        }
    }

    /// The node's `k`-th item as a number (numbers in quotes too).
    fn number(&self, k: usize) -> Option<f64> {
        match self {
            WktItem::Node(_, items) => match items.get(k)? {
                WktItem::Number(v) => Some(*v),
                WktItem::Text(t) => t.trim().parse().ok(),
                WktItem::Node(..) => None,
            },
            _ => None,
        }
    }

    /// The EPSG code of an `AUTHORITY["EPSG","4549"]` (WKT1) or `ID["EPSG",4549]`
    /// (WKT2) directly under this node.
    fn epsg(&self) -> Option<u16> {
        let a = self.child("AUTHORITY").or_else(|| self.child("ID"))?;
        if !a.name()?.eq_ignore_ascii_case("EPSG") {
            return None;
        }
        a.number(1).map(|v| v as u16)
    }
}

/// Parses WKT1 text into its tree.
fn parse_wkt(text: &str) -> Option<WktItem> {
    fn item(chars: &[char], i: &mut usize) -> Option<WktItem> {
        while chars.get(*i).is_some_and(|c| c.is_whitespace()) {
            *i += 1;
        }
        match chars.get(*i)? {
            '"' => {
                *i += 1;
                let mut t = String::new();
                loop {
                    let c = *chars.get(*i)?;
                    *i += 1;
                    if c == '"' {
                        // A doubled quote is a quote inside the text.
                        if chars.get(*i) == Some(&'"') {
                            t.push('"');
                            *i += 1;
                            continue;
                        }
                        break;
                    }
                    t.push(c);
                }
                Some(WktItem::Text(t))
            }
            c if c.is_ascii_digit() || *c == '-' || *c == '+' || *c == '.' => {
                let start = *i;
                while chars
                    .get(*i)
                    .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
                {
                    *i += 1;
                }
                let s: String = chars.get(start..*i)?.iter().collect();
                s.parse().ok().map(WktItem::Number)
            }
            _ => {
                let start = *i;
                while chars
                    .get(*i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    *i += 1;
                }
                let keyword: String = chars.get(start..*i)?.iter().collect();
                if keyword.is_empty() {
                    return None;
                }
                while chars.get(*i).is_some_and(|c| c.is_whitespace()) {
                    *i += 1;
                }
                if !matches!(chars.get(*i), Some('[') | Some('(')) {
                    // A bare word (an axis direction such as NORTH).
                    return Some(WktItem::Text(keyword));
                }
                *i += 1;
                let mut items = Vec::new();
                loop {
                    while chars.get(*i).is_some_and(|c| c.is_whitespace()) {
                        *i += 1;
                    }
                    match chars.get(*i)? {
                        ']' | ')' => {
                            *i += 1;
                            break;
                        }
                        ',' => *i += 1,
                        _ => items.push(item(chars, i)?),
                    }
                }
                Some(WktItem::Node(keyword.to_ascii_uppercase(), items))
            }
        }
    }
    let chars: Vec<char> = text.trim_start_matches('\u{feff}').chars().collect();
    let mut i = 0;
    item(&chars, &mut i)
}

/// The EPSG code of a CGCS2000 Gauss-Krüger name as ArcGIS and GDAL write them:
/// `CGCS2000_3_Degree_GK_Zone_40` (with the zone prefix in the easting),
/// `CGCS2000_3_Degree_GK_CM_120E` (without), and the 6° zones alike.
fn cgcs2000_gk_code(name: &str) -> Option<u16> {
    let n: String = name
        .to_ascii_uppercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !n.contains("CGCS") {
        return None;
    }
    let number_after = |key: &str| -> Option<u16> {
        let at = n.find(key)? + key.len();
        let digits: String = n
            .get(at..)?
            .trim_start_matches('_')
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        digits.parse().ok()
    };
    let three = n.contains("3_DEGREE") || n.contains("3DEGREE");
    if let Some(zone) = number_after("ZONE") {
        return if three {
            (25..=45).contains(&zone).then(|| 4513 + zone - 25)
        } else {
            (13..=23).contains(&zone).then(|| 4491 + zone - 13)
        };
    }
    let cm = number_after("CM")?;
    if three {
        (75..=135)
            .contains(&cm)
            .then_some(())
            .filter(|_| cm % 3 == 0)
            .map(|_| 4534 + (cm - 75) / 3)
    } else {
        (75..=135)
            .contains(&cm)
            .then_some(())
            .filter(|_| (cm - 75) % 6 == 0)
            .map(|_| 4502 + (cm - 75) / 6)
    }
}

impl Crs {
    /// The CRS of WKT1 text, as a Shapefile's `.prj` or a GeoPackage's
    /// `gpkg_spatial_ref_sys` has it: by its EPSG authority where it names one,
    /// by the CGCS2000 and WGS84 names ArcGIS writes (which carry no authority),
    /// and otherwise from its projection parameters.
    pub fn from_wkt(text: &str) -> Result<Crs, CrsError> {
        let unknown = || CrsError::Unknown(text.chars().take(80).collect());
        let root = parse_wkt(text).ok_or_else(unknown)?;
        let WktItem::Node(keyword, _) = &root else {
            return Err(unknown());
        };
        if let Some(crs) = root.epsg().and_then(Crs::from_epsg) {
            return Ok(crs);
        }
        let name = root.name().unwrap_or_default().to_string();
        let upper = name.to_ascii_uppercase();
        let geographic = matches!(keyword.as_str(), "GEOGCS" | "GEOGCRS" | "GEODCRS");
        if geographic {
            let code = if upper.contains("CHINA_GEODETIC") || upper.contains("CGCS") {
                4490
            } else {
                4326
            };
            return Crs::from_epsg(code).ok_or_else(unknown);
        }
        if let Some(crs) = cgcs2000_gk_code(&name).and_then(Crs::from_epsg) {
            return Ok(crs);
        }
        if let Some(zone) = upper
            .strip_prefix("WGS_1984_UTM_ZONE_")
            .or_else(|| upper.strip_prefix("WGS 84 / UTM ZONE "))
        {
            let north = zone.ends_with('N');
            let digits: String = zone.chars().take_while(|c| c.is_ascii_digit()).collect();
            if let Ok(z) = digits.parse::<u16>() {
                let code = if north { 32600 + z } else { 32700 + z };
                if let Some(crs) = Crs::from_epsg(code) {
                    return Ok(crs);
                }
            }
        }
        // Anything else: the projection from its parameters.
        let projection = root
            .child("PROJECTION")
            .and_then(|p| p.name())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let proj = match projection.as_str() {
            "transverse_mercator" | "gauss_kruger" | "gauss_krueger" => "tmerc",
            "mercator" | "mercator_1sp" | "mercator_auxiliary_sphere" => "merc",
            "lambert_conformal_conic" | "lambert_conformal_conic_2sp" => "lcc",
            "albers" | "albers_conic_equal_area" => "aea",
            _ => return Err(unknown()),
        };
        let mut parts = vec![format!("+proj={proj}")];
        for p in root.children("PARAMETER") {
            let (Some(key), Some(v)) = (p.name(), p.number(1)) else {
                continue;
            };
            let flag = match key.to_ascii_lowercase().as_str() {
                "false_easting" => "x_0",
                "false_northing" => "y_0",
                "central_meridian" | "longitude_of_center" => "lon_0",
                "latitude_of_origin" | "latitude_of_center" => "lat_0",
                "scale_factor" => "k",
                "standard_parallel_1" => "lat_1",
                "standard_parallel_2" => "lat_2",
                _ => continue,
            };
            parts.push(format!("+{flag}={v}"));
        }
        let spheroid = root
            .child("GEOGCS")
            .and_then(|g| g.child("DATUM"))
            .and_then(|d| d.child("SPHEROID"));
        match spheroid.and_then(|s| Some((s.number(1)?, s.number(2)?))) {
            Some((a, rf)) if rf > 0.0 => parts.push(format!("+a={a} +rf={rf}")),
            Some((a, _)) => parts.push(format!("+a={a} +b={a}")),
            None => parts.push("+ellps=GRS80".into()),
        }
        let to_metre = root.child("UNIT").and_then(|u| u.number(1)).unwrap_or(1.0);
        if (to_metre - 1.0).abs() > 1e-12 {
            parts.push(format!("+to_meter={to_metre}"));
        } else {
            parts.push("+units=m".into());
        }
        parts.push("+no_defs".into());
        let label = if name.is_empty() {
            "WKT".to_string()
        } else {
            name
        };
        let crs = Crs {
            label,
            kind: CrsKind::Projected {
                proj4: parts.join(" "),
            },
        };
        // Refuse a definition proj4rs cannot set up here, so the file is read as of
        // unknown CRS (with a warning) rather than failing at reprojection.
        Reprojector::new(&crs).map_err(|_| unknown())?;
        Ok(crs)
    }
}

/// A guess of what a projected file without a `crs` member is in, for the error
/// message that asks the user to pass `--crs`; `x`, `y` is the centre of the data.
///
/// The guess says where the centre would land under the CRS it suggests, found by
/// reprojecting it, so that a planner with data from elsewhere (UTM from abroad, a
/// Gauss-Krüger zone far from Jiaxing) sees at once that the suggestion is wrong
/// for them instead of finding their parcels in Zhejiang.
pub fn guess_projected(x: f64, y: f64) -> Option<String> {
    let (code, what, aside, advice) = if (2.0e5..8.0e5).contains(&x) && (2.0e6..6.0e6).contains(&y)
    {
        (
            4549,
            "CGCS2000 3° Gauss-Krüger without zone prefix (or UTM)".to_string(),
            " (the zone of Jiaxing, CM 120°E)",
            "; if the data is not there, name the CRS it was made in (the CGCS2000 zones of CM 75°E to 135°E are EPSG:4534 to 4554)",
        )
    } else {
        let zone = (x / 1.0e6).floor();
        if (25.0..=45.0).contains(&zone) && (2.0e6..6.0e6).contains(&y) {
            (
                4513 + (zone as u16).saturating_sub(25),
                format!("CGCS2000 3° Gauss-Krüger zone {zone} with zone prefix"),
                "",
                "",
            )
        } else if x.abs() <= 2.0038e7 && y.abs() <= 2.0038e7 {
            (
                3857,
                "Web Mercator or a local projection".to_string(),
                "",
                "",
            )
        } else {
            return None;
        }
    };
    let landing = match Crs::from_epsg(code).and_then(|crs| lands_at(&crs, x, y)) {
        Some(place) => format!("as EPSG:{code} this lies at {place}"),
        None => format!("as EPSG:{code} the centre of the data is not on the globe"),
    };
    Some(format!(
        "the values look like {what}; try --crs EPSG:{code}{aside}: {landing}{advice}"
    ))
}

/// Where projected `x`, `y` in `crs` lie, as "30.7°N 120.7°E" (one decimal, the
/// hemisphere by letter so that no minus sign, nor a "-0.0", is printed).
fn lands_at(crs: &Crs, x: f64, y: f64) -> Option<String> {
    let reprojector = Reprojector::new(crs).ok()??;
    let mut point = Geometry::Point(geo::Point::new(x, y));
    reprojector.to_lon_lat(&mut point).ok()?;
    let Geometry::Point(p) = point else {
        return None;
    };
    if !(p.x().abs() <= 180.0 && p.y().abs() <= 90.0) {
        return None;
    }
    Some(format!(
        "{} {}",
        degrees(p.y(), 'N', 'S'),
        degrees(p.x(), 'E', 'W')
    ))
}

/// An angle to one decimal with its hemisphere letter; zero after rounding takes
/// the positive letter.
fn degrees(v: f64, positive: char, negative: char) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    let letter = if rounded < 0.0 { negative } else { positive };
    format!("{:.1}°{letter}", rounded.abs())
}

/// Converts projected (or GCJ-02, BD-09) coordinates to lon/lat degrees.
pub struct Reprojector {
    label: String,
    how: How,
}

enum How {
    /// Boxed: a pair of proj4rs projections is large beside the other cases.
    Proj(Box<(Proj, Proj)>),
    Gcj02,
    Bd09,
}

impl Reprojector {
    /// `None` for a geographic CRS, which needs no reprojection.
    pub fn new(crs: &Crs) -> Result<Option<Reprojector>, CrsError> {
        let label = crs.label.clone();
        let proj4 = match &crs.kind {
            CrsKind::Geographic => return Ok(None),
            CrsKind::Gcj02 => {
                return Ok(Some(Reprojector {
                    label,
                    how: How::Gcj02,
                }));
            }
            CrsKind::Bd09 => {
                return Ok(Some(Reprojector {
                    label,
                    how: How::Bd09,
                }));
            }
            CrsKind::Projected { proj4 } => proj4,
        };
        let err = |e: proj4rs::errors::Error| CrsError::Projection {
            label: crs.label.clone(),
            reason: e.to_string(),
        };
        let src = Proj::from_proj_string(proj4).map_err(err)?;
        let dst = Proj::from_proj_string("+proj=longlat +ellps=WGS84 +no_defs").map_err(err)?;
        Ok(Some(Reprojector {
            label,
            how: How::Proj(Box::new((src, dst))),
        }))
    }

    /// Reprojects every coordinate of `geometry` in place to lon/lat degrees.
    pub fn to_lon_lat(&self, geometry: &mut Geometry<f64>) -> Result<(), CrsError> {
        let (src, dst) = match &self.how {
            How::Proj(pair) => (&pair.0, &pair.1),
            How::Gcj02 | How::Bd09 => {
                let inverse = match self.how {
                    How::Bd09 => crate::sources::gcj02::bd09_to_wgs84,
                    _ => crate::sources::gcj02::gcj02_to_wgs84,
                };
                let mut failed = None;
                for_each_coord_mut(geometry, &mut |c| match inverse(c.x, c.y) {
                    Some((x, y)) => {
                        c.x = x;
                        c.y = y;
                    }
                    None => {
                        failed.get_or_insert(*c);
                    }
                });
                return match failed {
                    None => Ok(()),
                    Some(c) => Err(CrsError::Point {
                        label: self.label.clone(),
                        x: c.x,
                        y: c.y,
                        reason: "the offset does not invert here".into(),
                    }),
                };
            }
        };
        let mut points = GeometryPoints {
            geometry,
            failed: None,
        };
        let result = transform(src, dst, &mut points);
        if let Some((c, reason)) = points.failed {
            return Err(CrsError::Point {
                label: self.label.clone(),
                x: c.x,
                y: c.y,
                reason,
            });
        }
        result.map_err(|e| CrsError::Projection {
            label: self.label.clone(),
            reason: e.to_string(),
        })?;
        for_each_coord_mut(points.geometry, &mut |c| {
            c.x = c.x.to_degrees();
            c.y = c.y.to_degrees();
        });
        Ok(())
    }
}

/// A transverse Mercator (Gauss-Krüger) plane on the CGCS2000 ellipsoid, for plane
/// areas and for showing cursor positions the way planning drawings do.
pub struct GaussKruger {
    pub central_meridian_deg: f64,
    geo: Proj,
    plane: Proj,
}

impl GaussKruger {
    /// The 3° zone plane with central meridian `central_meridian_deg`, scale 1 and a
    /// false easting of 500 km (no zone prefix), as EPSG:4549 is for 120°E.
    pub fn new(central_meridian_deg: f64) -> Result<GaussKruger, CrsError> {
        let label = format!("Gauss-Krüger CM {central_meridian_deg}°E");
        let err = |e: proj4rs::errors::Error| CrsError::Projection {
            label: label.clone(),
            reason: e.to_string(),
        };
        let plane = Proj::from_proj_string(&format!(
            "+proj=tmerc +lat_0=0 +lon_0={central_meridian_deg} +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"
        ))
        .map_err(err)?;
        let geo = Proj::from_proj_string("+proj=longlat +ellps=GRS80 +no_defs").map_err(err)?;
        Ok(GaussKruger {
            central_meridian_deg,
            geo,
            plane,
        })
    }

    /// The central meridian of the 3° zone containing `lon_deg` (a multiple of 3°).
    pub fn zone_meridian_for(lon_deg: f64) -> f64 {
        (lon_deg / 3.0).round() * 3.0
    }

    /// Projects lon/lat degrees to plane metres (easting, northing).
    pub fn forward(&self, lon_lat: Coord<f64>) -> Option<Coord<f64>> {
        let mut p = (lon_lat.x.to_radians(), lon_lat.y.to_radians(), 0.0);
        transform(&self.geo, &self.plane, &mut p).ok()?;
        Some(Coord { x: p.0, y: p.1 })
    }

    /// Projects plane metres back to lon/lat degrees.
    pub fn inverse(&self, en: Coord<f64>) -> Option<Coord<f64>> {
        let mut p = (en.x, en.y, 0.0);
        transform(&self.plane, &self.geo, &mut p).ok()?;
        Some(Coord {
            x: p.0.to_degrees(),
            y: p.1.to_degrees(),
        })
    }

    /// Projects a whole geometry to the plane in place.
    pub fn forward_geometry(&self, geometry: &mut Geometry<f64>) -> bool {
        for_each_coord_mut(geometry, &mut |c| {
            c.x = c.x.to_radians();
            c.y = c.y.to_radians();
        });
        let mut points = GeometryPoints {
            geometry,
            failed: None,
        };
        transform(&self.geo, &self.plane, &mut points).is_ok() && points.failed.is_none()
    }

    /// Projects a whole geometry from the plane to lon/lat in place.
    pub fn inverse_geometry(&self, geometry: &mut Geometry<f64>) -> bool {
        let mut points = GeometryPoints {
            geometry,
            failed: None,
        };
        let ok = transform(&self.plane, &self.geo, &mut points).is_ok() && points.failed.is_none();
        for_each_coord_mut(points.geometry, &mut |c| {
            c.x = c.x.to_degrees();
            c.y = c.y.to_degrees();
        });
        ok
    }
}

/// Lets proj4rs transform every coordinate of a geometry in one call, so the
/// per-call set-up of `transform` is paid once per feature, not once per vertex.
struct GeometryPoints<'a> {
    geometry: &'a mut Geometry<f64>,
    failed: Option<(Coord<f64>, String)>,
}

impl Transform for GeometryPoints<'_> {
    fn transform_coordinates<F: TransformClosure>(
        &mut self,
        f: &mut F,
    ) -> proj4rs::errors::Result<()> {
        let failed = &mut self.failed;
        for_each_coord_mut(self.geometry, &mut |c| {
            if failed.is_some() {
                return;
            }
            match f(c.x, c.y, 0.0) {
                Ok((x, y, _)) => {
                    c.x = x;
                    c.y = y;
                }
                Err(e) => *failed = Some((*c, e.to_string())),
            }
        });
        Ok(())
    }
}

/// Calls `f` on every coordinate of `geometry`.
pub fn for_each_coord_mut(geometry: &mut Geometry<f64>, f: &mut impl FnMut(&mut Coord<f64>)) {
    match geometry {
        Geometry::Point(p) => f(&mut p.0),
        Geometry::Line(l) => {
            f(&mut l.start);
            f(&mut l.end);
        }
        Geometry::LineString(ls) => ls.0.iter_mut().for_each(f),
        Geometry::Polygon(p) => polygon_coords_mut(p, f),
        Geometry::MultiPoint(mp) => mp.0.iter_mut().for_each(|p| f(&mut p.0)),
        Geometry::MultiLineString(mls) => mls
            .0
            .iter_mut()
            .for_each(|ls| ls.0.iter_mut().for_each(&mut *f)),
        Geometry::MultiPolygon(mp) => mp.0.iter_mut().for_each(|p| polygon_coords_mut(p, f)),
        Geometry::GeometryCollection(gc) => gc.0.iter_mut().for_each(|g| for_each_coord_mut(g, f)),
        Geometry::Rect(r) => {
            let (mut a, mut b) = (r.min(), r.max());
            f(&mut a);
            f(&mut b);
            *r = geo::Rect::new(a, b);
        }
        Geometry::Triangle(t) => {
            let (mut a, mut b, mut c) = (t.v1(), t.v2(), t.v3());
            f(&mut a);
            f(&mut b);
            f(&mut c);
            *t = geo::Triangle::new(a, b, c);
        }
    }
}

fn polygon_coords_mut(p: &mut geo::Polygon<f64>, f: &mut impl FnMut(&mut Coord<f64>)) {
    p.exterior_mut(|e| e.0.iter_mut().for_each(&mut *f));
    p.interiors_mut(|rings| {
        for r in rings {
            r.0.iter_mut().for_each(&mut *f)
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_names() {
        for name in [
            "EPSG:4326",
            "urn:ogc:def:crs:EPSG::4326",
            "urn:ogc:def:crs:EPSG:6.6:4490",
            "urn:ogc:def:crs:OGC:1.3:CRS84",
            "CRS84",
        ] {
            assert!(Crs::parse(name).unwrap().is_geographic(), "{name}");
        }
        let gk = Crs::parse("urn:ogc:def:crs:EPSG::4549").unwrap();
        assert_eq!(gk.label, "EPSG:4549");
        assert_eq!(gk.central_meridian_deg(), Some(120.0));
        assert!(!Crs::parse("EPSG:3857").unwrap().is_geographic());
        assert!(Crs::parse("EPSG:4528").is_ok());
        assert!(matches!(
            Crs::parse("EPSG:99999"),
            Err(CrsError::Unknown(_))
        ));
        assert!(matches!(Crs::parse("banana"), Err(CrsError::Unknown(_))));
    }

    #[test]
    fn gauss_kruger_round_trip_and_known_point() {
        // On the central meridian the easting is exactly the false easting and the
        // northing is the meridian arc length: 30°N on GRS80 is 3 320 113.398 m
        // (meridian arc, computed independently from the series of Helmert).
        let gk = GaussKruger::new(120.0).unwrap();
        let en = gk.forward(Coord { x: 120.0, y: 30.0 }).unwrap();
        assert!((en.x - 500_000.0).abs() < 1e-6, "{en:?}");
        assert!((en.y - 3_320_113.398).abs() < 0.01, "{en:?}");
        let ll = gk
            .inverse(
                gk.forward(Coord {
                    x: 120.68,
                    y: 30.70,
                })
                .unwrap(),
            )
            .unwrap();
        assert!((ll.x - 120.68).abs() < 1e-9 && (ll.y - 30.70).abs() < 1e-9);

        let r = Reprojector::new(&Crs::parse("EPSG:4528").unwrap())
            .unwrap()
            .unwrap();
        let mut g = Geometry::Point(geo::Point::new(40_500_000.0, en.y));
        r.to_lon_lat(&mut g).unwrap();
        let Geometry::Point(p) = g else { panic!() };
        assert!(
            (p.x() - 120.0).abs() < 1e-9 && (p.y() - 30.0).abs() < 1e-9,
            "{p:?}"
        );
    }

    #[test]
    fn prj_files_as_arcgis_and_gdal_write_them() {
        let zone40 = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_40",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",40500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(Crs::from_wkt(zone40).unwrap().label, "EPSG:4528");
        let cm120 = zone40
            .replace("Zone_40", "CM_120E")
            .replace("40500000.0", "500000.0");
        assert_eq!(Crs::from_wkt(&cm120).unwrap().label, "EPSG:4549");
        let geo = r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(Crs::from_wkt(geo).unwrap().label, "EPSG:4490");
        // A zone under another name: read from its parameters, and it lands where
        // EPSG:4549 does.
        let custom = cm120.replace("CGCS2000_3_Degree_GK_CM_120E", "Jiaxing_local");
        let crs = Crs::from_wkt(&custom).unwrap();
        assert_eq!(crs.central_meridian_deg(), Some(120.0));
        let r = Reprojector::new(&crs).unwrap().unwrap();
        let mut g = Geometry::Point(geo::Point::new(500_000.0, 3_320_113.398));
        r.to_lon_lat(&mut g).unwrap();
        let Geometry::Point(p) = g else { panic!() };
        assert!(
            (p.x() - 120.0).abs() < 1e-7 && (p.y() - 30.0).abs() < 1e-7,
            "{p:?}"
        );
        // GDAL's WKT with an authority.
        let gdal = r#"PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 120E",GEOGCS["China Geodetic Coordinate System 2000",AUTHORITY["EPSG","4490"]],PROJECTION["Transverse_Mercator"],AUTHORITY["EPSG","4549"]]"#;
        assert_eq!(Crs::from_wkt(gdal).unwrap().label, "EPSG:4549");
        assert!(Crs::from_wkt("garbage").is_err());
        assert_eq!(Crs::parse("GCJ02").unwrap().kind, CrsKind::Gcj02);
        assert_eq!(Crs::parse("bd-09").unwrap().kind, CrsKind::Bd09);
    }

    #[test]
    fn the_projected_guess_says_where_the_data_would_land() {
        // Jiaxing in EPSG:4549 (no zone prefix) and in EPSG:4528 (zone 40 prefix).
        let g = guess_projected(565_000.0, 3_397_000.0).unwrap();
        assert!(
            g.contains("as EPSG:4549 this lies at 30.7°N 120.7°E"),
            "{g}"
        );
        let g = guess_projected(40_500_000.0, 3_400_000.0).unwrap();
        assert!(
            g.contains("as EPSG:4528 this lies at 30.7°N 120.0°E"),
            "{g}"
        );
        // Web Mercator west of Greenwich and south of the equator: letters, no
        // minus signs.
        let g = guess_projected(-4_800_000.0, -2_700_000.0).unwrap();
        assert!(g.contains("as EPSG:3857 this lies at 23.6°S 43.1°W"), "{g}");
        assert!(!g.split("lies at").nth(1).unwrap().contains('-'), "{g}");
        assert_eq!(guess_projected(1e9, 1e9), None);
        assert_eq!(degrees(-0.04, 'N', 'S'), "0.0°N");
    }
}
