//! Excel workbooks (rust_xlsxwriter): one sheet per table, numbers stored as numbers
//! with display formats, bold frozen header rows and columns sized to fit.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{Card, ParcelRow, ReportLang, Summary, parcel_headings};

fn bold() -> Format {
    Format::new().set_bold()
}

fn fmt(decimals: usize) -> Format {
    Format::new().set_num_format(if decimals == 0 {
        "0".to_string()
    } else {
        format!("0.{}", "0".repeat(decimals))
    })
}

fn header(ws: &mut Worksheet, heads: &[&str]) -> Result<(), XlsxError> {
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold())?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn opt_number(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    v: Option<f64>,
    f: &Format,
) -> Result<(), XlsxError> {
    if let Some(v) = v {
        ws.write_number_with_format(r, c, v, f)?;
    }
    Ok(())
}

fn parcel_sheet(
    ws: &mut Worksheet,
    rows: &[&ParcelRow],
    lang: ReportLang,
) -> Result<(), XlsxError> {
    header(ws, &parcel_headings(lang))?;
    for (k, p) in rows.iter().enumerate() {
        let r = k as u32 + 1;
        ws.write_string(r, 0, &p.id)?;
        ws.write_string(r, 1, &p.code)?;
        ws.write_string(r, 2, &p.class_name)?;
        ws.write_number_with_format(r, 3, p.area_m2, &fmt(2))?;
        ws.write_number_with_format(r, 4, p.area_ha(), &fmt(4))?;
        ws.write_number_with_format(r, 5, p.area_mu(), &fmt(2))?;
        opt_number(ws, r, 6, p.far, &fmt(2))?;
        opt_number(ws, r, 7, p.density, &fmt(1))?;
        opt_number(ws, r, 8, p.green, &fmt(1))?;
        opt_number(ws, r, 9, p.height_m, &fmt(0))?;
        ws.write_string(r, 10, &p.status)?;
        ws.write_string(r, 11, &p.park)?;
        ws.write_string(r, 12, &p.enterprise)?;
    }
    ws.set_autofit_max_width(360).autofit();
    Ok(())
}

/// A summary as a workbook: 用地平衡表, 规划指标, 地块清单.
pub fn summary_bytes(s: &Summary) -> Result<Vec<u8>, XlsxError> {
    let zh = s.lang == ReportLang::Zh;
    let mut wb = Workbook::new();
    let bt = &s.balance;
    {
        let ws = wb.add_worksheet();
        ws.set_name(if zh {
            "用地平衡表"
        } else {
            "Land-use balance"
        })?;
        // Title and unit line above the table, as the plan text prints it; the
        // heading row is frozen below them.
        ws.write_string_with_format(0, 0, if zh { &bt.title } else { &bt.title_en }, &bold())?;
        ws.write_string(1, 0, if zh { &bt.unit } else { &bt.unit_en })?;
        let heads = bt.headings(zh);
        // Without a present state the third column is the parcel count.
        let count_col = (!bt.has_present).then_some(2usize);
        for (c, h) in heads.iter().enumerate() {
            ws.write_string_with_format(2, c as u16, h, &bold())?;
        }
        ws.set_freeze_panes(3, 0)?;
        let mut r = 3u32;
        for row in bt.all_rows() {
            let total = std::ptr::eq(row, &bt.total);
            let strong = total || row.level == 1;
            let mut cells = bt.cells(row);
            if let Some(name) = cells.get_mut(1) {
                // The total says 合计 once, in the code column.
                *name = if total {
                    String::new()
                } else if zh {
                    row.name.clone()
                } else {
                    row.name_en.clone()
                };
            }
            let change_col = bt.has_present.then(|| cells.len().saturating_sub(1));
            for (c, text) in cells.iter().enumerate() {
                let mut f = if Some(c) == count_col {
                    fmt(0)
                } else if Some(c) == change_col {
                    // 增减 with its sign, as the other tables print it.
                    Format::new().set_num_format("+0.00;-0.00;0.00")
                } else if c >= 2 {
                    fmt(2)
                } else {
                    Format::new()
                };
                if strong {
                    f = f.set_bold();
                }
                if c < 2 {
                    // Finer levels are indented under their class.
                    f = f.set_indent(row.level.saturating_sub(1));
                }
                match text.trim_start_matches('+').parse::<f64>() {
                    Ok(v) if c >= 2 => ws.write_number_with_format(r, c as u16, v, &f)?,
                    _ if total && c == 0 => {
                        ws.write_string_with_format(r, 0, if zh { "合计" } else { "Total" }, &f)?
                    }
                    _ => ws.write_string_with_format(r, c as u16, text, &f)?,
                };
            }
            r += 1;
        }
        r += 1;
        for note in if zh { &bt.notes } else { &bt.notes_en } {
            let prefix = if zh { "注：" } else { "Note: " };
            ws.write_string(r, 0, format!("{prefix}{note}"))?;
            r += 1;
        }
        ws.write_string(r, 0, format!("{} · {} · {}", s.title, s.source, s.date))?;
        // Widths set by hand: autofit counts a Chinese character as one column where
        // Excel draws two, and the long title and notes would widen column A.
        ws.set_column_width(0, 12)?;
        ws.set_column_width(1, 36)?;
        for (c, h) in heads.iter().enumerate().skip(2) {
            let cjk = h.chars().filter(|ch| !ch.is_ascii()).count();
            let width = (h.chars().count() + cjk + 2).max(10);
            ws.set_column_width(c as u16, width as f64)?;
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name(if zh { "规划指标" } else { "Indicators" })?;
        header(
            ws,
            &if zh {
                ["指标", "数值", "单位", "口径"]
            } else {
                ["Indicator", "Value", "Unit", "Basis"]
            },
        )?;
        for (k, row) in crate::stats::indicator_rows(&bt.indicators, zh)
            .iter()
            .enumerate()
        {
            let r = k as u32 + 1;
            ws.write_string(r, 0, row.label)?;
            ws.write_number_with_format(r, 1, row.value, &fmt(row.decimals))?;
            ws.write_string(r, 2, row.unit)?;
            ws.write_string(r, 3, &row.basis)?;
        }
        ws.set_column_width(0, 18)?;
        ws.set_column_width(1, 12)?;
        ws.set_column_width(2, 8)?;
        ws.set_column_width(3, 80)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name(if zh { "地块清单" } else { "Parcels" })?;
        let rows: Vec<&ParcelRow> = s.parcels.iter().collect();
        parcel_sheet(ws, &rows, s.lang)?;
    }
    wb.save_to_buffer()
}

/// Report cards as a workbook: 地块 (one row a parcel), 界址点, 周边设施.
pub fn cards_bytes(cards: &[Card], lang: ReportLang) -> Result<Vec<u8>, XlsxError> {
    let zh = lang == ReportLang::Zh;
    let mut wb = Workbook::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name(if zh { "地块" } else { "Parcels" })?;
        let rows: Vec<&ParcelRow> = cards.iter().map(|c| &c.parcel).collect();
        parcel_sheet(ws, &rows, lang)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name(if zh { "界址点" } else { "Boundary points" })?;
        header(
            ws,
            &if zh {
                ["地块编号", "界址点号", "X坐标(m)", "Y坐标(m)"]
            } else {
                ["Parcel", "Point", "X north (m)", "Y east (m)"]
            },
        )?;
        let mut r = 1;
        for c in cards {
            for b in &c.boundary {
                ws.write_string(r, 0, &c.parcel.id)?;
                ws.write_string(r, 1, &b.label)?;
                ws.write_number_with_format(r, 2, b.x_north_m, &fmt(3))?;
                ws.write_number_with_format(r, 3, b.y_east_m, &fmt(3))?;
                r += 1;
            }
        }
        ws.set_autofit_max_width(360).autofit();
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name(if zh {
            "周边设施"
        } else {
            "Nearby facilities"
        })?;
        header(
            ws,
            &if zh {
                ["地块编号", "设施名称", "类型", "距离(m)", "500米内"]
            } else {
                ["Parcel", "Facility", "Type", "Distance (m)", "Within 500 m"]
            },
        )?;
        let mut r = 1;
        for c in cards {
            for f in &c.facilities {
                ws.write_string(r, 0, &c.parcel.id)?;
                ws.write_string(r, 1, &f.name)?;
                ws.write_string(r, 2, &f.kind)?;
                ws.write_number_with_format(r, 3, f.distance_m, &fmt(0))?;
                ws.write_string(
                    r,
                    4,
                    match (f.distance_m <= 500.0, zh) {
                        (true, true) => "是",
                        (false, true) => "否",
                        (true, false) => "yes",
                        (false, false) => "no",
                    },
                )?;
                r += 1;
            }
        }
        ws.set_autofit_max_width(360).autofit();
    }
    wb.save_to_buffer()
}
