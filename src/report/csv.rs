//! CSV: UTF-8 with a byte-order mark, so Excel opens Chinese text correctly, and
//! RFC 4180 quoting. A summary is its parcel list with a 合计 line; cards are their
//! boundary points (the 界址点成果表).
//!
//! Codes and ids are written in Excel's formula-text form, `="070102"`, so that
//! Excel and WPS keep them as text: opened plainly, a CSV field that looks like a
//! number loses its leading zeros (070102 becomes 70102) and one like 3-05 becomes a
//! date. The other ways were weighed: a leading tab or space also stops the
//! conversion but stays in the value for every reader, invisible in a cell and a
//! trap in a lookup; an apostrophe is shown as typed, since Excel honours it only
//! when typed into a cell. The formula form is the idiom Excel and WPS users know,
//! its wrapper is visible and has one fixed shape, so pandas or R strip it with one
//! rule (see README.md), and LibreOffice reads it as text when told to evaluate
//! formulas on import.

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

/// A code or id as a field Excel and WPS keep as text: `="070102"`. The field is
/// left unquoted, the form in which this idiom is known to work in Excel, unless the
/// code itself holds a comma, quote or line break, when it is quoted as RFC 4180
/// asks (a quote inside the code doubled once for the formula and once for the
/// CSV). An empty code stays empty, and a code too long for a formula's text (255
/// characters) is written plainly.
pub fn code_field(code: &str) -> String {
    if code.is_empty() || code.chars().count() > 255 {
        return field(code);
    }
    let formula = format!("=\"{}\"", code.replace('"', "\"\""));
    if code.contains([',', '"', '\n', '\r']) {
        field(&formula)
    } else {
        formula
    }
}

fn opt(v: Option<f64>) -> String {
    field(&v.map(crate::model::format_float).unwrap_or_default())
}

/// A parcel's fields, each encoded.
fn row_fields(p: &ParcelRow) -> Vec<String> {
    vec![
        code_field(&p.id),
        code_field(&p.code),
        field(&p.class_name),
        format!("{:.2}", p.area_m2),
        format!("{:.4}", p.area_ha()),
        format!("{:.2}", p.area_mu()),
        opt(p.far),
        opt(p.density),
        opt(p.green),
        opt(p.height_m),
        field(&p.status),
        field(&p.park),
        field(&p.enterprise),
    ]
}

/// The sum of `values` as the lines above it print them, each rounded to
/// `decimals`, so that the column of the CSV adds up to its 合计 exactly when a
/// reader sums it in Excel or pandas. (The sum of the unrounded values, rounded,
/// can differ from it in the last decimal.) Each value is rounded by printing it,
/// as its line does, and the printed values are summed as whole units of the last
/// decimal, which a float holds exactly.
fn rounded_sum(values: impl Iterator<Item = f64>, decimals: usize) -> String {
    let scale = 10f64.powi(decimals as i32);
    let units: f64 = values
        .map(|v| {
            let printed = format!("{v:.decimals$}").parse::<f64>().unwrap_or(v);
            (printed * scale).round()
        })
        .sum();
    format!("{:.decimals$}", units / scale)
}

/// The 合计 line under a parcel list: the count where the code stands, and the
/// total areas, as the workbook prints it.
fn total_fields(rows: &[ParcelRow], lang: ReportLang) -> Vec<String> {
    let (label, count) = match lang {
        ReportLang::Zh => ("合计", format!("{}块", rows.len())),
        ReportLang::En => ("Total", format!("{} parcels", rows.len())),
    };
    let sum = |f: fn(&ParcelRow) -> f64, decimals| rounded_sum(rows.iter().map(f), decimals);
    let mut out = vec![
        label.to_string(),
        count,
        String::new(),
        sum(|p| p.area_m2, 2),
        sum(ParcelRow::area_ha, 4),
        sum(ParcelRow::area_mu, 2),
    ];
    out.resize(parcel_headings(lang).len(), String::new());
    out
}

/// Writes one line of already encoded fields.
fn line(out: &mut dyn Write, fields: &[String]) -> std::io::Result<()> {
    out.write_all(fields.join(",").as_bytes())?;
    out.write_all(b"\r\n")
}

/// The summary's parcel list, one line a parcel and a 合计 line at the end.
pub fn write_summary(s: &Summary, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(BOM)?;
    let head: Vec<String> = parcel_headings(s.lang).iter().map(|h| field(h)).collect();
    line(out, &head)?;
    for p in &s.parcels {
        line(out, &row_fields(p))?;
    }
    line(out, &total_fields(&s.parcels, s.lang))
}

/// Every card's boundary points (the 界址点成果表), Y without the zone number.
pub fn write_cards(cards: &[Card], lang: ReportLang, out: &mut dyn Write) -> std::io::Result<()> {
    write_cards_with(cards, lang, false, out)
}

/// Every card's boundary points: parcel, part, point, X (north), Y (east, with the
/// zone number in front when `y_with_zone`), the side to the next point, and on
/// every line the coordinate system, central meridian and zone, so that each line
/// says what its coordinates are in (a CSV has no room for a header line above
/// its headings without confusing the readers that take line 1 as the headings).
pub fn write_cards_with(
    cards: &[Card],
    lang: ReportLang,
    y_with_zone: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    out.write_all(BOM)?;
    let crs_heads = match lang {
        ReportLang::Zh => ["坐标系", "中央子午线（°E）", "带号"],
        ReportLang::En => ["Coordinate system", "Central meridian (°E)", "Zone"],
    };
    let head: Vec<String> = super::xlsx::point_headings(lang, y_with_zone)
        .iter()
        .chain(crs_heads.iter())
        .map(|h| field(h))
        .collect();
    line(out, &head)?;
    for c in cards {
        for b in &c.boundary {
            let y = super::xlsx::printed_y(b, c.zone, y_with_zone);
            line(
                out,
                &[
                    code_field(&c.parcel.id),
                    field(&super::xlsx::part_label(b, lang)),
                    field(&b.label),
                    format!("{:.3}", b.x_north_m),
                    format!("{y:.3}"),
                    b.side_m.map(|s| format!("{s:.2}")).unwrap_or_default(),
                    "CGCS2000".to_string(),
                    crate::model::format_float(c.cm_deg),
                    c.zone.to_string(),
                ],
            )?;
        }
    }
    Ok(())
}
