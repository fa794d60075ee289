//! The headless commands on PostGIS addresses: `info` lists a database's
//! tables or describes one, and `stats` and `select` on a live table
//! (`mode=live`) run in the server. A loaded table (the default mode) goes
//! through the same commands as a file.

use std::io::Write;
use std::path::Path;

use anyhow::bail;
use serde_json::json;

use super::{
    AreaArg, InfoArgs, InfoFormat, SelectArgs, SelectFormat, StatsArgs, stats_grouping,
    stats_options, within_area, write_bbox, write_stats,
};
use crate::expr::Expr;
use crate::selection::AreaMode;
use crate::sources::postgis::live::{LiveGrouping, LiveTable, Region};
use crate::sources::postgis::{Address, Mode, list_layers};
use crate::stats::{self, AreaMethod, BalanceTable, Grouping};

/// The address a path holds, if it is one (and parses).
pub(super) fn live_address(path: &Path) -> anyhow::Result<Option<Address>> {
    let Some(text) = path
        .to_str()
        .filter(|t| crate::sources::postgis::is_address(t))
    else {
        return Ok(None);
    };
    match Address::parse(text) {
        Ok(a) => Ok(Some(a)),
        // The address as typed may hold a password: the error never repeats it.
        Err(e) => bail!("the database address cannot be used: {e}"),
    }
}

/// `info ADDRESS`: a database's tables when the address names none, a live
/// table's catalogue entry and extent; `Ok(false)` for a loaded table, which
/// `info` describes as it describes a file.
pub(super) fn info(a: &InfoArgs, address: &Address, out: &mut dyn Write) -> anyhow::Result<bool> {
    if address.table.is_none() {
        let tables = list_layers(address)?;
        if a.format == InfoFormat::Json {
            let v = json!({
                "database": address.server(),
                "layers": tables.iter().map(|l| json!({"name": l.name, "geometry_type": l.geometry_type, "features": l.features, "srs": l.srs})).collect::<Vec<_>>(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        } else {
            writeln!(out, "database:  {}", address.server())?;
            writeln!(out, "layers:    {}", tables.len())?;
            for l in &tables {
                writeln!(
                    out,
                    "  {}  {}  ~{} rows  {}",
                    l.name, l.geometry_type, l.features, l.srs
                )?;
            }
        }
        return Ok(true);
    }
    if address.mode != Mode::Live {
        return Ok(false);
    }
    let options = a.layer.options()?;
    let mut t = LiveTable::open(address, &options)?;
    let extent = t.extent()?;
    let m = t.meta.clone();
    let roles: Vec<(String, Option<String>)> = crate::model::FieldRole::ALL
        .iter()
        .map(|r| {
            (
                r.key().to_string(),
                t.roles
                    .get(*r)
                    .and_then(|i| m.columns.get(i))
                    .map(|c| c.name.clone()),
            )
        })
        .collect();
    if a.format == InfoFormat::Json {
        let v = json!({
            "file": t.shown(),
            "mode": "live",
            "table": format!("{}.{}", m.schema, m.table),
            "geometry_column": m.geometry_column,
            "geometry_type": m.geometry_type,
            "srid": m.srid,
            "estimated_rows": m.estimated_rows,
            "bbox": extent.map(|r| vec![r.min().x, r.min().y, r.max().x, r.max().y]),
            "fields": m.columns.iter().map(|c| json!({"name": c.name, "type": c.type_name})).collect::<Vec<_>>(),
            "roles": roles.iter().map(|(k, f)| (k.clone(), json!(f))).collect::<serde_json::Map<_, _>>(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(true);
    }
    writeln!(out, "file:      {} (live)", t.shown())?;
    writeln!(out, "table:     {}.{}", m.schema, m.table)?;
    writeln!(
        out,
        "geometry:  {} {} (SRID {})",
        m.geometry_column, m.geometry_type, m.srid
    )?;
    match m.estimated_rows {
        Some(n) => writeln!(out, "rows:      ~{n} (the server's estimate)")?,
        None => writeln!(out, "rows:      unknown (the table has not been analysed)")?,
    }
    write_bbox(extent, out)?;
    writeln!(out, "fields:")?;
    for (i, c) in m.columns.iter().enumerate() {
        let role = crate::model::FieldRole::ALL
            .iter()
            .find(|r| t.roles.get(**r) == Some(i))
            .map(|r| format!("  [{}]", r.key()))
            .unwrap_or_default();
        writeln!(out, "  {} ({}){role}", c.name, c.type_name)?;
    }
    Ok(true)
}

fn parse_where(text: Option<&str>, shown: &str) -> anyhow::Result<Option<Expr>> {
    text.map(|t| {
        Expr::parse(t).map_err(|e| {
            anyhow::anyhow!("{shown}: bad --where expression at {e}\n{}", e.pointer(t))
        })
    })
    .transpose()
}

/// `stats ADDRESS` on a live table: summed in the server, arranged by the same
/// table as a file's.
pub(super) fn stats(
    a: &StatsArgs,
    address: &Address,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<()> {
    if a.area == AreaArg::GaussKruger {
        bail!(
            "{address}: a live table's areas are measured in the server on the ellipsoid; use --area ellipsoidal, or load the table (without mode=live) for Gauss-Krüger areas"
        );
    }
    let options = a.layer.options()?;
    let mut t = LiveTable::open(address, &options)?;
    let expr = parse_where(a.where_.as_deref(), t.shown())?;
    let region = a.bbox.map(Region::Rect).unwrap_or(Region::Whole);
    let grouping = match &a.by_field {
        Some(f) => LiveGrouping::Field(f.clone()),
        None => LiveGrouping::Classes,
    };
    let s = t.stats(&region, expr.as_ref(), &grouping, &options)?;
    for w in &s.layer.warnings {
        writeln!(err, "warning: {}: {w}", s.layer.source)?;
    }
    let (grouping, level) = stats_grouping(a, &[&s.layer])?;
    let part = stats::Part {
        layer: &s.layer,
        features: Some(&s.features),
        areas_m2: &s.areas_m2,
    };
    let method = AreaMethod::Ellipsoidal;
    let table = stats::stats_of(&[part], &grouping, level, method, &stats_options(a));
    let balance = matches!(grouping, Grouping::Class(_))
        .then(|| BalanceTable::new(&table, None, level, None));
    let warnings: Vec<String> = s.layer.warnings.iter().map(|w| w.to_string()).collect();
    write_stats(a, &table, None, balance.as_ref(), 0, &warnings, out)
}

/// `select ADDRESS` on a live table: the server finds the rows.
pub(super) fn select(a: &SelectArgs, address: &Address, out: &mut dyn Write) -> anyhow::Result<()> {
    let options = a.layer.options()?;
    let mut t = LiveTable::open(address, &options)?;
    let expr = parse_where(a.where_.as_deref(), t.shown())?;
    let region = if let Some(p) = a.point {
        Region::Point(p)
    } else if let Some(r) = a.bbox {
        Region::Rect(r)
    } else if let Some(path) = &a.within {
        let mode = if a.fully_within {
            AreaMode::Within
        } else {
            AreaMode::Intersects
        };
        Region::Polygon {
            area: within_area(path)?,
            within: mode == AreaMode::Within,
        }
    } else if expr.is_some() {
        Region::Whole
    } else {
        bail!(
            "give one of --point LON,LAT, --bbox W,S,E,N, --within POLYGON.geojson or --where EXPR"
        );
    };
    let hits = t.select_ids(&region, expr.as_ref(), &options)?;
    match a.format {
        SelectFormat::Ids => {
            for (id, _) in &hits {
                writeln!(out, "{id}")?;
            }
        }
        SelectFormat::Json => {
            let v = json!({
                "count": hits.len(),
                "ids": hits.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
                "area_m2": hits.iter().map(|(_, a)| *a).sum::<f64>(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        SelectFormat::Geojson => bail!(
            "{}: --format geojson needs the features' geometry; load the table (without mode=live) to write it",
            t.shown()
        ),
    }
    Ok(())
}
