//! KML and KMZ, as field tools (奥维 Ovital, Google Earth, 两步路) write them:
//! Placemarks with Point, LineString, LinearRing, Polygon and MultiGeometry; their
//! names, descriptions, ExtendedData `Data` and `SchemaData`/`SimpleData` as
//! attributes (typed as the file's `Schema` declares them); KMZ is the zipped KML
//! (its `doc.kml`, else its first `.kml`). Written as KML with a `Schema`, so
//! Google Earth and GDAL read the attributes back with their types.

use std::io::Read;
use std::path::Path;

use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};

use super::{
    ColumnKind, ExportError, ExportOptions, ExportSummary, FileCrs, LayerBuilder, LoadControl,
    LoadError, LoadOptions, encoding_for, export_columns,
};
use crate::crs::Crs;
use crate::io::parse::ParsedFeature;
use crate::model::{AttrValue, Layer};

/// A KMZ's KML is read whole; one larger than this is refused, as a zip bomb
/// would be.
const MAX_KML_BYTES: u64 = 2 << 30;

/// The KML / KMZ reader.
pub fn read(
    path: &Path,
    shown: &str,
    options: &LoadOptions,
    control: LoadControl,
    builder: &mut LayerBuilder,
) -> Result<FileCrs, LoadError> {
    let bytes = super::read_bytes(path, shown)?;
    let kml = if bytes.starts_with(b"PK\x03\x04") {
        unzip_kml(&bytes, shown)?
    } else {
        bytes
    };
    read_bytes(&kml, shown, options, control, builder)
}

fn unzip_kml(bytes: &[u8], shown: &str) -> Result<Vec<u8>, LoadError> {
    let not_kmz = |reason: String| LoadError::NotFormat {
        path: shown.to_string(),
        format: "KMZ",
        reason,
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| not_kmz(format!("the zip archive cannot be read: {e}")))?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.to_string())
        .collect();
    let name = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case("doc.kml"))
        .or_else(|| {
            names
                .iter()
                .find(|n| n.to_ascii_lowercase().ends_with(".kml"))
        })
        .cloned()
        .ok_or_else(|| not_kmz("the archive holds no .kml file".into()))?;
    let entry = archive
        .by_name(&name)
        .map_err(|e| not_kmz(format!("{name}: {e}")))?;
    let mut out = Vec::new();
    entry
        .take(MAX_KML_BYTES)
        .read_to_end(&mut out)
        .map_err(|e| not_kmz(format!("{name}: {e}")))?;
    Ok(out)
}

/// The text of KML bytes: UTF-8 (with or without BOM), UTF-16 by its BOM, or the
/// encoding its XML declaration names.
fn kml_text(bytes: &[u8]) -> String {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(bytes.get(bom..).unwrap_or_default())
            .0
            .into_owned();
    }
    let head = String::from_utf8_lossy(bytes.get(..200).unwrap_or(bytes));
    let declared = head
        .split("encoding=")
        .nth(1)
        .and_then(|r| r.trim_start_matches(['"', '\'']).split(['"', '\'']).next())
        .and_then(encoding_for);
    match declared {
        Some(enc) if enc != encoding_rs::UTF_8 => {
            enc.decode_without_bom_handling(bytes).0.into_owned()
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Reads KML from its bytes.
pub fn read_bytes(
    bytes: &[u8],
    shown: &str,
    _options: &LoadOptions,
    control: LoadControl,
    builder: &mut LayerBuilder,
) -> Result<FileCrs, LoadError> {
    let text = kml_text(bytes);
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(&text, options).map_err(|e| {
        LoadError::NotFormat {
            path: shown.to_string(),
            format: "KML",
            reason: format!("the XML is not well formed: {e}"),
        }
    })?;
    let root = doc.root_element();
    if !root.tag_name().name().eq_ignore_ascii_case("kml") {
        return Err(LoadError::NotFormat {
            path: shown.to_string(),
            format: "KML",
            reason: format!(
                "the root element is <{}>, not <kml>",
                root.tag_name().name()
            ),
        });
    }
    // Declared types of SimpleData fields, by schema field name.
    let mut types: std::collections::HashMap<String, String> = Default::default();
    for f in doc
        .descendants()
        .filter(|n| n.has_tag_name_local("SimpleField"))
    {
        if let (Some(name), Some(ty)) = (f.attribute("name"), f.attribute("type")) {
            types.insert(name.to_string(), ty.to_ascii_lowercase());
        }
    }
    let mut names: Vec<String> = Vec::new();
    let mut index = 0usize;
    for pm in doc
        .descendants()
        .filter(|n| n.has_tag_name_local("Placemark"))
    {
        builder.seen += 1;
        let mut props: Vec<(String, AttrValue)> = Vec::new();
        for key in ["name", "description"] {
            if let Some(t) = child(pm, key).and_then(|n| n.text()).map(str::trim)
                && !t.is_empty()
            {
                props.push((key.to_string(), AttrValue::Text(t.into())));
            }
        }
        if let Some(ext) = child(pm, "ExtendedData") {
            for d in ext.descendants() {
                if d.has_tag_name_local("Data")
                    && let Some(name) = d.attribute("name")
                {
                    let v = child(d, "value")
                        .and_then(|v| v.text())
                        .unwrap_or("")
                        .trim();
                    if !v.is_empty() {
                        props.push((name.to_string(), AttrValue::Text(v.into())));
                    }
                } else if d.has_tag_name_local("SimpleData")
                    && let Some(name) = d.attribute("name")
                {
                    let v = d.text().unwrap_or("").trim();
                    let value = typed(v, types.get(name).map(String::as_str));
                    if !value.is_null() {
                        props.push((name.to_string(), value));
                    }
                }
            }
        }
        let geometry = pm
            .children()
            .find(|n| is_geometry(n))
            .map(|g| geometry(g, 0))
            .transpose();
        let mut slots = Vec::with_capacity(props.len());
        for (name, value) in props {
            let k = match names.iter().position(|n| *n == name) {
                Some(k) => k,
                None => {
                    names.push(name);
                    names.len() - 1
                }
            };
            slots.push((k as u32, value));
        }
        let label = slots
            .iter()
            .find(|(k, _)| names.get(*k as usize).is_some_and(|n| n == "name"))
            .and_then(|(_, v)| v.to_text());
        match geometry {
            Ok(geometry) => {
                let columns = builder.columns_for(&names);
                builder.push(
                    &columns,
                    ParsedFeature::plain(geometry.flatten(), slots),
                    index,
                );
            }
            Err(reason) => builder.skip(index, label, format!("placemark {}: {reason}", index + 1)),
        }
        index += 1;
        if index.is_multiple_of(10_000) {
            builder.progress(control, 0, shown)?;
        }
    }
    // KML is lon/lat on WGS84 by definition.
    Ok(Crs::from_epsg(4326).map_or(FileCrs::Absent, FileCrs::Known))
}

trait LocalName {
    fn has_tag_name_local(&self, name: &str) -> bool;
}

impl LocalName for roxmltree::Node<'_, '_> {
    fn has_tag_name_local(&self, name: &str) -> bool {
        self.is_element() && self.tag_name().name() == name
    }
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| c.has_tag_name_local(name))
}

fn is_geometry(n: &roxmltree::Node) -> bool {
    n.is_element()
        && matches!(
            n.tag_name().name(),
            "Point" | "LineString" | "LinearRing" | "Polygon" | "MultiGeometry"
        )
}

/// A SimpleData value as its schema types it.
fn typed(v: &str, ty: Option<&str>) -> AttrValue {
    if v.is_empty() {
        return AttrValue::Null;
    }
    match ty {
        Some("int" | "uint" | "short" | "ushort") => v
            .parse::<i64>()
            .map(AttrValue::Int)
            .unwrap_or_else(|_| AttrValue::Text(v.into())),
        Some("float" | "double") => v
            .parse::<f64>()
            .map(AttrValue::Float)
            .unwrap_or_else(|_| AttrValue::Text(v.into())),
        Some("bool") => AttrValue::Bool(matches!(v, "1" | "true" | "TRUE" | "True")),
        _ => AttrValue::Text(v.into()),
    }
}

/// The coordinates of a `<coordinates>` text: `lon,lat[,alt]` tuples.
fn coordinates(n: roxmltree::Node) -> Result<Vec<Coord<f64>>, String> {
    let text = child(n, "coordinates").and_then(|c| c.text()).unwrap_or("");
    let mut out = Vec::new();
    for tuple in text.split_whitespace() {
        let mut parts = tuple.split(',');
        let x = parts.next().and_then(|v| v.trim().parse::<f64>().ok());
        let y = parts.next().and_then(|v| v.trim().parse::<f64>().ok());
        match (x, y) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => out.push(Coord { x, y }),
            _ => return Err(format!("'{tuple}' is not a lon,lat coordinate")),
        }
    }
    Ok(out)
}

fn ring(n: roxmltree::Node) -> Result<LineString<f64>, String> {
    let lr = child(n, "LinearRing").ok_or("a boundary has no LinearRing")?;
    let mut pts = coordinates(lr)?;
    if pts.len() < 3 {
        return Err(format!(
            "a ring has {} point(s); it needs at least 3",
            pts.len()
        ));
    }
    if pts.first() != pts.last()
        && let Some(&f) = pts.first()
    {
        pts.push(f);
    }
    Ok(LineString(pts))
}

fn geometry(n: roxmltree::Node, depth: usize) -> Result<Option<Geometry<f64>>, String> {
    if depth > 16 {
        return Err("MultiGeometry nested too deep".into());
    }
    Ok(match n.tag_name().name() {
        "Point" => coordinates(n)?.first().map(|c| Geometry::Point(Point(*c))),
        "LineString" => {
            let pts = coordinates(n)?;
            match pts.len() {
                0 => None,
                1 => return Err("a line has 1 point".into()),
                _ => Some(Geometry::LineString(LineString(pts))),
            }
        }
        "LinearRing" => {
            let pts = coordinates(n)?;
            (pts.len() >= 3).then(|| Geometry::Polygon(Polygon::new(LineString(pts), vec![])))
        }
        "Polygon" => {
            let outer = child(n, "outerBoundaryIs").ok_or("a Polygon has no outerBoundaryIs")?;
            let exterior = ring(outer)?;
            let holes = n
                .children()
                .filter(|c| c.has_tag_name_local("innerBoundaryIs"))
                .map(ring)
                .collect::<Result<Vec<_>, _>>()?;
            Some(Geometry::Polygon(Polygon::new(exterior, holes)))
        }
        "MultiGeometry" => {
            let parts: Vec<Geometry<f64>> = n
                .children()
                .filter(is_geometry)
                .map(|c| geometry(c, depth + 1))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect();
            if parts.is_empty() {
                None
            } else if parts.iter().all(|g| matches!(g, Geometry::Polygon(_))) {
                Some(Geometry::MultiPolygon(MultiPolygon(
                    parts
                        .into_iter()
                        .filter_map(|g| match g {
                            Geometry::Polygon(p) => Some(p),
                            _ => None,
                        })
                        .collect(),
                )))
            } else if parts.iter().all(|g| matches!(g, Geometry::LineString(_))) {
                Some(Geometry::MultiLineString(MultiLineString(
                    parts
                        .into_iter()
                        .filter_map(|g| match g {
                            Geometry::LineString(l) => Some(l),
                            _ => None,
                        })
                        .collect(),
                )))
            } else if parts.iter().all(|g| matches!(g, Geometry::Point(_))) {
                Some(Geometry::MultiPoint(MultiPoint(
                    parts
                        .into_iter()
                        .filter_map(|g| match g {
                            Geometry::Point(p) => Some(p),
                            _ => None,
                        })
                        .collect(),
                )))
            } else {
                Some(Geometry::GeometryCollection(GeometryCollection(parts)))
            }
        }
        _ => None,
    })
}

// ---------------------------------------------------------------------------
// Writing.

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn write_coords(out: &mut String, pts: &[Coord<f64>]) {
    out.push_str("<coordinates>");
    for (k, c) in pts.iter().enumerate() {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(&crate::io::write::fmt_num(c.x, 9));
        out.push(',');
        out.push_str(&crate::io::write::fmt_num(c.y, 9));
    }
    out.push_str("</coordinates>");
}

fn write_geometry(out: &mut String, g: &Geometry<f64>) {
    let polygon = |out: &mut String, p: &Polygon<f64>| {
        out.push_str("<Polygon><outerBoundaryIs><LinearRing>");
        write_coords(out, &p.exterior().0);
        out.push_str("</LinearRing></outerBoundaryIs>");
        for h in p.interiors() {
            out.push_str("<innerBoundaryIs><LinearRing>");
            write_coords(out, &h.0);
            out.push_str("</LinearRing></innerBoundaryIs>");
        }
        out.push_str("</Polygon>");
    };
    match g {
        Geometry::Point(p) => {
            out.push_str("<Point>");
            write_coords(out, &[p.0]);
            out.push_str("</Point>");
        }
        Geometry::Line(l) => {
            out.push_str("<LineString>");
            write_coords(out, &[l.start, l.end]);
            out.push_str("</LineString>");
        }
        Geometry::LineString(l) => {
            out.push_str("<LineString>");
            write_coords(out, &l.0);
            out.push_str("</LineString>");
        }
        Geometry::Polygon(p) => polygon(out, p),
        Geometry::Rect(r) => polygon(out, &r.to_polygon()),
        Geometry::Triangle(t) => polygon(out, &t.to_polygon()),
        Geometry::MultiPoint(m) => {
            out.push_str("<MultiGeometry>");
            for p in &m.0 {
                write_geometry(out, &Geometry::Point(*p));
            }
            out.push_str("</MultiGeometry>");
        }
        Geometry::MultiLineString(m) => {
            out.push_str("<MultiGeometry>");
            for l in &m.0 {
                write_geometry(out, &Geometry::LineString(l.clone()));
            }
            out.push_str("</MultiGeometry>");
        }
        Geometry::MultiPolygon(m) => {
            out.push_str("<MultiGeometry>");
            for p in &m.0 {
                polygon(out, p);
            }
            out.push_str("</MultiGeometry>");
        }
        Geometry::GeometryCollection(gc) => {
            out.push_str("<MultiGeometry>");
            for g in &gc.0 {
                write_geometry(out, g);
            }
            out.push_str("</MultiGeometry>");
        }
    }
}

/// Writes the features as KML: a Schema of the attributes (with their types),
/// one Placemark a feature named by its id, its attributes as SimpleData.
pub fn export(
    layer: &Layer,
    features: &[usize],
    path: &Path,
    _options: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    let columns = export_columns(layer, features);
    let schema = "parcelview";
    let mut out = String::with_capacity(features.len() * 512 + 1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document id=\"root_doc\">\n");
    out.push_str(&format!("<name>{}</name>\n", escape(&layer.name)));
    out.push_str(&format!("<Schema name=\"{schema}\" id=\"{schema}\">\n"));
    for c in &columns {
        let ty = match c.kind {
            ColumnKind::Integer => "int",
            ColumnKind::Real => "double",
            ColumnKind::Text => "string",
            ColumnKind::Bool => "bool",
        };
        out.push_str(&format!(
            "  <SimpleField name=\"{}\" type=\"{ty}\"></SimpleField>\n",
            escape(&c.name)
        ));
    }
    out.push_str("</Schema>\n<Folder><name>");
    out.push_str(&escape(&layer.name));
    out.push_str("</name>\n");
    for (row, &i) in features.iter().enumerate() {
        out.push_str("<Placemark>\n<name>");
        out.push_str(&escape(&layer.feature_id(i)));
        out.push_str("</name>\n<ExtendedData><SchemaData schemaUrl=\"#parcelview\">\n");
        for c in &columns {
            if let Some(v) = c.values.get(row).and_then(|v| v.to_text()) {
                out.push_str(&format!(
                    "  <SimpleData name=\"{}\">{}</SimpleData>\n",
                    escape(&c.name),
                    escape(&v)
                ));
            }
        }
        out.push_str("</SchemaData></ExtendedData>\n");
        if let Some(g) = layer.geometries.get(i).and_then(|g| g.as_ref()) {
            write_geometry(&mut out, g);
            out.push('\n');
        }
        out.push_str("</Placemark>\n");
    }
    out.push_str("</Folder>\n</Document>\n</kml>\n");
    crate::io::atomic_write(path, |w| w.write_all(out.as_bytes()))?;
    Ok(ExportSummary {
        files: vec![path.to_path_buf()],
        features: features.len(),
        renamed: Vec::new(),
        notes: Vec::new(),
    })
}
