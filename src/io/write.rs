//! Writing files safely, and GeoJSON output with stable formatting.

use std::io::Write;
use std::path::{Path, PathBuf};

use geo::{Coord, Geometry, LineString, Polygon};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: refusing to overwrite an input file")]
    WouldOverwriteInput { path: String },
}

/// Writes a file atomically: the content goes to a temporary file beside the target,
/// is flushed to disk, and then renamed over the target. A failure at any point
/// leaves the old file (if any) untouched and removes the temporary file.
pub fn atomic_write(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let err = |source| WriteError::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "output".into());
    remove_stale_temporaries(&dir, &file_name);
    // The process id keeps two processes apart, the counter two threads of one
    // (an autosave and a save of the same file, say).
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{file_name}.{}-{n}.tmp", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename itself is made durable by syncing the folder; where a folder
        // cannot be opened for that (some platforms), the rename still stands.
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

/// Removes temporaries of `file_name` left beside it by writers that were killed
/// before they could clean up (their process no longer runs). Only Linux says
/// cheaply whether a process runs (`/proc/PID`); elsewhere they are left alone.
fn remove_stale_temporaries(dir: &Path, file_name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{file_name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(rest) = name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".tmp"))
        else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Fails if `out` is the same file as any of `inputs`.
pub fn refuse_input_overwrite(out: &Path, inputs: &[&Path]) -> Result<(), WriteError> {
    let canon = |p: &Path| std::fs::canonicalize(p).ok();
    if let Some(o) = canon(out)
        && inputs.iter().any(|i| canon(i).as_ref() == Some(&o))
    {
        return Err(WriteError::WouldOverwriteInput {
            path: out.display().to_string(),
        });
    }
    Ok(())
}

/// Formats a coordinate value with `decimals` places, trimming trailing zeros so
/// output is compact and byte-for-byte stable.
pub fn fmt_num(v: f64, decimals: usize) -> String {
    let mut s = format!("{v:.decimals$}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".into();
    }
    s
}

fn write_coord(out: &mut String, c: Coord<f64>, decimals: usize) {
    out.push('[');
    out.push_str(&fmt_num(c.x, decimals));
    out.push(',');
    out.push_str(&fmt_num(c.y, decimals));
    out.push(']');
}

fn write_line(out: &mut String, ls: &LineString<f64>, decimals: usize) {
    out.push('[');
    for (i, c) in ls.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_coord(out, *c, decimals);
    }
    out.push(']');
}

fn write_polygon(out: &mut String, p: &Polygon<f64>, decimals: usize) {
    out.push('[');
    write_line(out, p.exterior(), decimals);
    for r in p.interiors() {
        out.push(',');
        write_line(out, r, decimals);
    }
    out.push(']');
}

/// A geometry as GeoJSON text with `decimals` places per coordinate.
pub fn geometry_json(g: &Geometry<f64>, decimals: usize) -> String {
    let mut out = String::new();
    let (kind, body): (&str, String) = match g {
        Geometry::Point(p) => {
            write_coord(&mut out, p.0, decimals);
            ("Point", std::mem::take(&mut out))
        }
        Geometry::MultiPoint(mp) => {
            out.push('[');
            for (i, p) in mp.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_coord(&mut out, p.0, decimals);
            }
            out.push(']');
            ("MultiPoint", std::mem::take(&mut out))
        }
        Geometry::LineString(ls) => {
            write_line(&mut out, ls, decimals);
            ("LineString", std::mem::take(&mut out))
        }
        Geometry::Line(l) => {
            write_line(&mut out, &LineString(vec![l.start, l.end]), decimals);
            ("LineString", std::mem::take(&mut out))
        }
        Geometry::MultiLineString(mls) => {
            out.push('[');
            for (i, ls) in mls.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_line(&mut out, ls, decimals);
            }
            out.push(']');
            ("MultiLineString", std::mem::take(&mut out))
        }
        Geometry::Polygon(p) => {
            write_polygon(&mut out, p, decimals);
            ("Polygon", std::mem::take(&mut out))
        }
        Geometry::Rect(r) => {
            write_polygon(&mut out, &r.to_polygon(), decimals);
            ("Polygon", std::mem::take(&mut out))
        }
        Geometry::Triangle(t) => {
            write_polygon(&mut out, &t.to_polygon(), decimals);
            ("Polygon", std::mem::take(&mut out))
        }
        Geometry::MultiPolygon(mp) => {
            out.push('[');
            for (i, p) in mp.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_polygon(&mut out, p, decimals);
            }
            out.push(']');
            ("MultiPolygon", std::mem::take(&mut out))
        }
        Geometry::GeometryCollection(gc) => {
            let parts: Vec<String> = gc.0.iter().map(|g| geometry_json(g, decimals)).collect();
            return format!(
                "{{\"type\":\"GeometryCollection\",\"geometries\":[{}]}}",
                parts.join(",")
            );
        }
    };
    format!("{{\"type\":\"{kind}\",\"coordinates\":{body}}}")
}

/// One feature for [`write_geojson_features`]: ordered properties and a geometry.
pub struct OutFeature<'a> {
    pub properties: Vec<(&'a str, serde_json::Value)>,
    pub geometry: Option<&'a Geometry<f64>>,
}

/// Writes a FeatureCollection, one feature per line, properties in the given order.
/// `metadata` members (name, description, …) go before `features`.
pub fn write_geojson_features<'a>(
    out: &mut dyn Write,
    metadata: &[(&str, serde_json::Value)],
    features: impl IntoIterator<Item = OutFeature<'a>>,
    decimals: usize,
) -> std::io::Result<()> {
    out.write_all(b"{\"type\":\"FeatureCollection\",\n")?;
    for (k, v) in metadata {
        writeln!(
            out,
            "{}:{},",
            serde_json::to_string(k)?,
            serde_json::to_string(v)?
        )?;
    }
    out.write_all(b"\"features\":[\n")?;
    for (i, f) in features.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        let mut props = String::from("{");
        for (j, (k, v)) in f.properties.iter().enumerate() {
            if j > 0 {
                props.push(',');
            }
            props.push_str(&serde_json::to_string(k)?);
            props.push(':');
            props.push_str(&serde_json::to_string(v)?);
        }
        props.push('}');
        let geometry = f
            .geometry
            .map(|g| geometry_json(g, decimals))
            .unwrap_or_else(|| "null".into());
        write!(
            out,
            "{{\"type\":\"Feature\",\"properties\":{props},\"geometry\":{geometry}}}"
        )?;
    }
    out.write_all(b"\n]}\n")?;
    Ok(())
}

/// Writes the given features as a FeatureCollection with computed area columns.
pub fn write_features_geojson(
    layer: &crate::model::Layer,
    features: impl Iterator<Item = usize>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let table = crate::landuse::LanduseTable::global();
    let feats: Vec<OutFeature> = features
        .map(|i| {
            let mut properties: Vec<(&str, serde_json::Value)> = layer
                .fields
                .iter()
                .enumerate()
                .map(|(f, name)| (name.as_str(), layer.value(i, f).to_json()))
                .collect();
            let a = layer.area_m2.get(i).copied().unwrap_or(0.0);
            properties.push(("area_m2", serde_json::json!(crate::stats::round2(a))));
            properties.push((
                "area_ha",
                serde_json::json!((a / crate::stats::M2_PER_HA * 10_000.0).round() / 10_000.0),
            ));
            properties.push((
                "area_mu",
                serde_json::json!((a / crate::stats::M2_PER_MU * 10_000.0).round() / 10_000.0),
            ));
            if let Some(c) = layer
                .class
                .get(i)
                .copied()
                .flatten()
                .and_then(|c| table.class(c))
            {
                properties.push(("landuse_name", serde_json::json!(c.name_zh)));
            }
            OutFeature {
                properties,
                geometry: layer.geometries.get(i).and_then(|g| g.as_ref()),
            }
        })
        .collect();
    write_geojson_features(out, &[], feats, 8)
}
