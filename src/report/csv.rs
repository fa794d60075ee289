//! CSV: UTF-8 with a byte-order mark, so Excel opens Chinese text correctly, and
//! RFC 4180 quoting. A summary is its parcel list; cards are their boundary points.

use std::io::Write;

use super::{Card, ParcelRow, ReportLang, Summary, parcel_headings};

/// The byte-order mark Excel looks for.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Quotes a field when it holds a comma, quote or line break.
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(crate::model::format_float).unwrap_or_default()
}

fn row_fields(p: &ParcelRow) -> Vec<String> {
    vec![
        p.id.clone(),
        p.code.clone(),
        p.class_name.clone(),
        format!("{:.2}", p.area_m2),
        format!("{:.4}", p.area_ha()),
        format!("{:.2}", p.area_mu()),
        opt(p.far),
        opt(p.density),
        opt(p.green),
        opt(p.height_m),
        p.status.clone(),
        p.park.clone(),
        p.enterprise.clone(),
    ]
}

fn line(out: &mut dyn Write, fields: &[String]) -> std::io::Result<()> {
    let joined: Vec<String> = fields.iter().map(|f| field(f)).collect();
    out.write_all(joined.join(",").as_bytes())?;
    out.write_all(b"\r\n")
}

/// The summary's parcel list.
pub fn write_summary(s: &Summary, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(BOM)?;
    let head: Vec<String> = parcel_headings(s.lang)
        .iter()
        .map(|h| h.to_string())
        .collect();
    line(out, &head)?;
    for p in &s.parcels {
        line(out, &row_fields(p))?;
    }
    Ok(())
}

/// Every card's boundary points: parcel, point, X (north), Y (east).
pub fn write_cards(cards: &[Card], lang: ReportLang, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(BOM)?;
    let head = match lang {
        ReportLang::Zh => ["地块编号", "界址点号", "X坐标(m)", "Y坐标(m)"],
        ReportLang::En => ["Parcel", "Point", "X north (m)", "Y east (m)"],
    };
    line(out, &head.map(String::from))?;
    for c in cards {
        for b in &c.boundary {
            line(
                out,
                &[
                    c.parcel.id.clone(),
                    b.label.clone(),
                    format!("{:.3}", b.x_north_m),
                    format!("{:.3}", b.y_east_m),
                ],
            )?;
        }
    }
    Ok(())
}
