//! Map sheets read back: labels without overlaps, the 1:N figure and the scale
//! bar's ticks, dashed lines, the legend against what is drawn (the basemap's
//! roads and water by class, in the colours painted), facility symbols, the
//! selection's colours in the PNG, road and water names along and inside their
//! features, the legend and the scale bar off the district, legend labels wrapped
//! and never cut, the furniture kept apart, and the vector overlay left out of the
//! raster.

use std::path::Path;

use geo::{Coord, InteriorPoint, Rect};
use parcelview::io::{LoadOptions, load_bytes};
use parcelview::landuse::LanduseTable;
use parcelview::model::Layer;
use parcelview::project::Project;
use parcelview::render::canvas::{Bounds, Shape};
use parcelview::render::legend::Swatch;
use parcelview::render::map_image::{
    self, Fit, ImageLayer, ImagePaint, ImageStyle, MapImage, Overlay, SheetInfo,
};
use parcelview::render::symbols;

fn project() -> Project {
    Project::open(&Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json"))
        .expect("the bundled project opens")
}

/// The project's visible layers with their image styles, the basemap's own layers
/// (water, roads) included so that they are drawn and listed.
fn styled(p: &Project) -> Vec<(&Layer, ImageStyle)> {
    p.layers
        .iter()
        .filter(|l| l.spec.visible)
        .filter_map(|l| {
            let data = l.data.as_ref().ok()?;
            Some((data, map_image::image_style(&l.spec.name, &l.spec.style)))
        })
        .collect()
}

fn image<'a>(
    layers: &[(&'a Layer, ImageStyle)],
    selected: &'a [usize],
    target: Option<&str>,
    bbox: Rect<f64>,
    (width_px, height_px, dpi): (u32, u32, f32),
) -> MapImage<'a> {
    MapImage {
        layers: layers
            .iter()
            .map(|(layer, style)| ImageLayer {
                layer,
                style: style.clone(),
                selected: if Some(style.name.as_str()) == target {
                    selected
                } else {
                    &[]
                },
            })
            .collect(),
        basemap: None,
        bbox,
        width_px,
        height_px,
        dpi,
        title: None,
        chinese: true,
        legend: true,
        spotlight: false,
        sheet: SheetInfo::default(),
    }
}

fn parcels(p: &Project) -> &Layer {
    p.layers
        .iter()
        .find(|l| l.spec.name == "地块")
        .and_then(|l| l.data.as_ref().ok())
        .expect("the parcels")
}

const PARK: &str = "\"所属园区\" = '光电信息产业园'";

/// Writes a rendered image to `$SHEET_DUMP/<name>.png` when that variable is set,
/// for a look at the sheets by eye.
fn dump(pixmap: &tiny_skia::Pixmap, name: &str) {
    if let Some(dir) = std::env::var_os("SHEET_DUMP") {
        let png = map_image::encode_png(pixmap, 96.0).unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

/// Checks that no two labels' texts overlap (a name along a road by each of its
/// characters), and that none is under the furniture, over a symbol or outside
/// the map's frame.
fn assert_labels_apart(ov: &Overlay) {
    for (a, la) in ov.labels.iter().enumerate() {
        let boxes = la.boxes();
        assert!(!boxes.is_empty());
        for lb in &ov.labels[a + 1..] {
            for x in &boxes {
                for y in lb.boxes() {
                    assert!(!x.intersects(&y), "{:?} overlaps {:?}", la.lines, lb.lines);
                }
            }
        }
        let furniture = [
            ov.legend_box,
            ov.north_arrow,
            ov.scale_bar.as_ref().map(|s| s.bounds),
            ov.title,
            ov.title_block,
            ov.panel,
        ];
        for b in &boxes {
            for f in furniture.iter().flatten() {
                assert!(!b.intersects(f), "{:?} under the furniture", la.lines);
            }
            for s in &ov.symbols {
                assert!(!b.intersects(s), "{:?} over a symbol", la.lines);
            }
            assert!(ov.map_frame.contains(b), "{:?} off the map", la.lines);
        }
    }
}

fn texts(ov: &Overlay) -> Vec<String> {
    ov.shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Text { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn labels_do_not_overlap_and_keep_clear_of_the_furniture() {
    let p = project();
    let mut layers = styled(&p);
    // Roads and water named by their 名称, as a style may ask.
    for (_, style) in layers.iter_mut() {
        if style.name == "道路" || style.name == "水系" {
            style.labels = vec!["名称".to_string()];
        }
    }
    let parcels = parcels(&p);
    let sel = parcelview::expr::select_where(parcels, PARK).unwrap();
    let bbox = parcels.bbox_of(&sel).unwrap();
    let (pixmap, ov) = map_image::render_with_overlay(&image(
        &layers,
        &sel,
        Some("地块"),
        bbox,
        (1800, 1200, 150.0),
    ))
    .unwrap();
    dump(&pixmap, "park");
    assert!(ov.labels.len() > 20, "{} labels", ov.labels.len());
    assert_labels_apart(&ov);
    // Parcels show their id, and the larger ones their FAR and height limit too.
    let ids: Vec<String> = (0..parcels.len()).map(|i| parcels.feature_id(i)).collect();
    assert!(ov.labels.iter().any(|l| ids.contains(&l.lines[0])));
    assert!(
        ov.labels
            .iter()
            .any(|l| l.lines.iter().any(|t| t.starts_with("容积率 ")))
    );
    assert!(ov.labels.iter().any(|l| {
        l.lines
            .iter()
            .any(|t| t.starts_with("限高 ") && t.ends_with(" m"))
    }));
    // The park's name, placed first, and a road's.
    assert!(ov.labels.iter().any(|l| l.lines[0] == "光电信息产业园"));
    let roads = layers.iter().find(|(_, s)| s.name == "道路").unwrap().0;
    let f = roads.field_index("名称").unwrap();
    let road_names: Vec<String> = (0..roads.len())
        .filter_map(|i| roads.value(i, f).to_text())
        .collect();
    assert!(ov.labels.iter().any(|l| road_names.contains(&l.lines[0])));
    // Zoomed out, fewer labels fit: placement follows the scale.
    let all = p.bbox().unwrap();
    let far = map_image::overlay(&image(&layers, &[], None, all, (1800, 1200, 150.0)));
    let parcel_labels = |ov: &Overlay| {
        ov.labels
            .iter()
            .filter(|l| ids.contains(&l.lines[0]))
            .count()
    };
    assert!(parcel_labels(&far) < parcel_labels(&ov));
}

#[test]
fn the_scale_figure_follows_the_box_width_and_dpi() {
    let p = project();
    let layers = styled(&p);
    // A box wider than the image's shape, so its width sets the scale.
    let bbox = Rect::new(
        Coord {
            x: 120.60,
            y: 30.68,
        },
        Coord {
            x: 120.70,
            y: 30.70,
        },
    );
    for (w, dpi) in [(1000, 96.0), (2400, 300.0), (600, 72.0)] {
        let ov = map_image::overlay(&image(&layers, &[], None, bbox, (w, w / 2, dpi)));
        // The box spans 92 % of the width (the fit's margin); a degree of longitude
        // on Web Mercator's sphere is 2πR/360 · cos φ.
        let lat = 30.69f64.to_radians();
        let ground_m = 0.1 * 6_378_137.0 * std::f64::consts::PI / 180.0 * lat.cos();
        let metres_per_px = ground_m / (0.92 * f64::from(w));
        let want = metres_per_px * f64::from(dpi) / 0.0254;
        let bar = ov.scale_bar.as_ref().unwrap();
        let n = bar.denominator as f64;
        assert!((n - want).abs() / want < 0.01, "1:{n} vs 1:{want}");
        assert!((ov.metres_per_px - metres_per_px).abs() / metres_per_px < 0.01);
        assert!(texts(&ov).contains(&format!("比例尺 1:{}", bar.denominator)));
    }
}

#[test]
fn the_scale_bar_has_labelled_ticks_from_zero() {
    let p = project();
    let layers = styled(&p);
    let all = p.bbox().unwrap();
    let ov = map_image::overlay(&image(&layers, &[], None, all, (1600, 1000, 150.0)));
    let bar = ov.scale_bar.clone().unwrap();
    assert!(bar.ticks_m.len() >= 3, "{:?}", bar.ticks_m);
    assert_eq!(bar.ticks_m[0], 0.0);
    assert_eq!(bar.labels[0], "0");
    let total = *bar.ticks_m.last().unwrap();
    let unit = if bar.unit == "km" { 1000.0 } else { 1.0 };
    assert_eq!(
        bar.labels.last().unwrap().parse::<f64>().unwrap() * unit,
        total
    );
    // Equal parts, each on the image at its ground length.
    let part = bar.ticks_m[1];
    let shown = texts(&ov);
    for (k, (m, x)) in bar.ticks_m.iter().zip(&bar.ticks_px).enumerate() {
        assert!((m - part * k as f64).abs() < 1e-9);
        let px = f64::from(x - bar.ticks_px[0]);
        assert!(
            (px * ov.metres_per_px - m).abs() < 0.01 * total,
            "{m} m at {px} px"
        );
        if !bar.labels[k].is_empty() {
            assert!(shown.contains(&bar.labels[k]));
        }
    }
    assert!(bar.labels.iter().filter(|l| !l.is_empty()).count() >= 3);
    assert!(shown.contains(&bar.unit));
}

fn square_layer() -> Layer {
    let text = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"名称":"范围"},"geometry":{"type":"Polygon","coordinates":[[[120.0,30.0],[120.02,30.0],[120.02,30.02],[120.0,30.02],[120.0,30.0]]]}}
    ]}"#;
    load_bytes(text.as_bytes(), "square.geojson", &LoadOptions::default()).unwrap()
}

#[test]
fn a_dashed_style_draws_dashes() {
    let layer = square_layer();
    let bbox = layer.bbox().unwrap();
    let transitions = |dash: bool| {
        let style = ImageStyle {
            dash,
            ..ImageStyle::plain(ImagePaint::Outline([200, 0, 0], 2.5))
        };
        let layers = [(&layer, style)];
        let mut img = image(&layers, &[], None, bbox, (400, 400, 96.0));
        img.legend = false;
        img.sheet.vector_overlay = true;
        let pixmap = map_image::render(&img).unwrap();
        // Along the square's left edge, the middle half of it.
        let fit = Fit::new(bbox, 400, 400);
        let (x, y0) = fit.to_px(Coord {
            x: 120.0,
            y: 30.015,
        });
        let (_, y1) = fit.to_px(Coord {
            x: 120.0,
            y: 30.005,
        });
        let red: Vec<bool> = (y0 as u32..y1 as u32)
            .map(|y| {
                pixmap
                    .pixel(x.round() as u32, y)
                    .is_some_and(|p| p.red() > 150 && p.green() < 100)
            })
            .collect();
        assert!(red.iter().filter(|r| **r).count() > 10);
        red.windows(2).filter(|w| w[0] != w[1]).count()
    };
    assert_eq!(transitions(false), 0);
    assert!(transitions(true) >= 6, "{}", transitions(true));
}

#[test]
fn the_legend_lists_what_is_drawn_and_nothing_else() {
    let p = project();
    let layers = styled(&p);
    let all = p.bbox().unwrap();
    let ov = map_image::overlay(&image(&layers, &[], None, all, (1600, 1100, 150.0)));
    let labels: Vec<&str> = ov.legend.iter().map(|e| e.label.as_str()).collect();
    let table = LanduseTable::global();
    let mut want: Vec<String> = Vec::new();
    for (layer, style) in &layers {
        match style.paint {
            ImagePaint::Landuse => {
                let mut classes: Vec<_> = layer.class.iter().flatten().copied().collect();
                classes.sort_unstable();
                classes.dedup();
                let mut rows: Vec<String> = classes
                    .iter()
                    .map(|c| {
                        let k = table.class(*c).unwrap();
                        format!("{} {}", k.code, k.name_zh)
                    })
                    .collect();
                rows.sort();
                want.extend(rows);
            }
            ImagePaint::Points(_) => {
                let f = layer.field_index("类型").unwrap();
                let mut kinds: Vec<(usize, String)> = (0..layer.len())
                    .map(|i| {
                        let t = layer.value(i, f).to_text().unwrap();
                        let k = symbols::FACILITY_SYMBOLS
                            .iter()
                            .position(|s| s.kind_zh == t)
                            .unwrap();
                        (k, t)
                    })
                    .collect();
                kinds.sort();
                kinds.dedup();
                want.extend(kinds.into_iter().map(|(_, t)| t));
            }
            // Water and roads drawn as layers in one colour: their classes.
            ImagePaint::Fill(_) if layer.roles.landuse.is_some() => {
                let mut codes: Vec<String> = layer
                    .class
                    .iter()
                    .flatten()
                    .map(|c| {
                        let k = table.class(*c).unwrap();
                        format!("{} {}", k.code, k.name_zh)
                    })
                    .collect();
                codes.sort();
                codes.dedup();
                want.extend(codes);
            }
            _ => want.push(style.name.clone()),
        }
    }
    assert_eq!(labels, want);
    for name in [
        "范围",
        "机场",
        "产业园区",
        "1202 公路用地",
        "1207 城镇村道路用地",
        "1701 河流水面",
    ] {
        assert!(labels.contains(&name), "{name} missing from {labels:?}");
    }
    // Each is grouped under its layer, in the colour the layer is drawn in.
    for (layer, colour) in [("道路", [255, 255, 255]), ("水系", [0x9f, 0xcb, 0xe6])] {
        let grouped: Vec<_> = ov
            .legend
            .iter()
            .filter(|e| e.group.as_deref() == Some(layer))
            .collect();
        assert!(grouped.len() >= 2, "{layer}: {grouped:?}");
        for e in grouped {
            assert!(
                matches!(e.swatch, Swatch::Fill { rgb, .. } if rgb == colour),
                "{e:?}"
            );
        }
    }
    // The boundary is drawn dashed, and its swatch says so.
    let boundary = ov.legend.iter().find(|e| e.label == "范围").unwrap();
    assert!(matches!(boundary.swatch, Swatch::Line { dash: true, .. }));
    // Zoomed in on one park, classes out of view are left out.
    let parcels = parcels(&p);
    let sel = parcelview::expr::select_where(parcels, PARK).unwrap();
    let bbox = parcels.bbox_of(&sel).unwrap();
    let near = map_image::overlay(&image(&layers, &[], None, bbox, (1600, 1100, 150.0)));
    assert!(near.legend.len() < ov.legend.len());
    // Exactly the classes of the parcels in the map's view (its frame, less any
    // panel beside it), reaching into it.
    let fit = near.fit;
    let corner = |x: f64, y: f64| {
        parcelview::render::lon_lat_from_world(Coord {
            x: fit.origin[0] + x / fit.scale,
            y: fit.origin[1] + y / fit.scale,
        })
    };
    let (fw, fh) = (f64::from(near.map_frame.w), f64::from(near.map_frame.h));
    let view = Rect::new(corner(0.0, fh), corner(fw, 0.0));
    let mut in_view: Vec<_> = parcels
        .index
        .in_rect(view)
        .filter(|(i, _)| {
            use geo::Intersects;
            parcels.geometries[*i].as_ref().unwrap().intersects(&view)
        })
        .filter_map(|(i, _)| parcels.class[i])
        .collect();
    in_view.sort_unstable();
    in_view.dedup();
    let codes: Vec<String> = in_view
        .iter()
        .map(|c| table.class(*c).unwrap().code.clone())
        .collect();
    let near_codes: Vec<String> = near
        .legend
        .iter()
        .filter(|e| e.group.as_deref() == Some("地块"))
        .filter(|e| matches!(e.swatch, Swatch::Fill { .. }))
        .filter_map(|e| e.label.split(' ').next().map(str::to_string))
        .filter(|c| c.chars().all(|ch| ch.is_ascii_digit()))
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(near_codes, sorted);
    assert!(
        in_view.len()
            < want
                .iter()
                .filter(|w| w.as_bytes()[0].is_ascii_digit())
                .count()
    );
    // The legend box shows every entry whole (broken onto lines, never cut), and
    // each group's name before its entries.
    let boxed = legend_text(&ov);
    let mut rest = boxed.as_str();
    for e in &ov.legend {
        let label: String = e.label.chars().filter(|c| !c.is_whitespace()).collect();
        let at = rest
            .find(&label)
            .unwrap_or_else(|| panic!("{label} not in the legend box, in order"));
        if let Some(g) = &e.group {
            assert!(boxed.contains(g.as_str()), "{g}");
        }
        rest = &rest[at + label.len()..];
    }
    assert!(!boxed.contains('…'));
}

/// The texts inside the legend box, in drawing order, joined without white space.
fn legend_text(ov: &Overlay) -> String {
    let lb = ov.legend_box.expect("a legend box");
    ov.shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Text { x, y, text, .. } if lb.contains(&Bounds::new(*x, *y, 0.0, 0.0)) => {
                Some(text.clone())
            }
            _ => None,
        })
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn facilities_are_symbols_by_type() {
    assert_eq!(symbols::facility_symbol("中小学").0, "学");
    assert_eq!(symbols::facility_symbol("幼儿园").0, "幼");
    assert_eq!(symbols::facility_symbol("医院").0, "医");
    let p = project();
    let layers = styled(&p);
    let all = p.bbox().unwrap();
    let ov = map_image::overlay(&image(&layers, &[], None, all, (1600, 1100, 150.0)));
    let facilities = p
        .layers
        .iter()
        .find(|l| l.spec.name == "公共服务设施")
        .and_then(|l| l.data.as_ref().ok())
        .unwrap();
    assert_eq!(ov.symbols.len(), facilities.len());
    let shown = texts(&ov);
    for glyph in ["学", "幼", "医", "卫", "老"] {
        assert!(shown.iter().any(|t| t == glyph), "{glyph}");
    }
    let school = ov.legend.iter().find(|e| e.label == "中小学").unwrap();
    assert!(matches!(&school.swatch, Swatch::Symbol { glyph, .. } if glyph == "学"));
}

/// The colour of the pixel at a lon/lat point.
fn pixel_at(pixmap: &tiny_skia::Pixmap, fit: &Fit, c: Coord<f64>) -> Option<[u8; 3]> {
    let (x, y) = fit.to_px(c);
    // `Pixmap::pixel` checks only the pixel's offset, so a point right of the
    // image would wrap onto the next row.
    if x < 0.0 || y < 0.0 || x >= pixmap.width() as f32 || y >= pixmap.height() as f32 {
        return None;
    }
    let p = pixmap.pixel(x as u32, y as u32)?.demultiply();
    Some([p.red(), p.green(), p.blue()])
}

#[test]
fn selected_parcels_keep_their_class_colour() {
    let p = project();
    let parcels = parcels(&p);
    let layers = vec![(parcels, ImageStyle::landuse())];
    let sel = parcelview::expr::select_where(parcels, PARK).unwrap();
    let bbox = parcels.bbox_of(&sel).unwrap();
    let table = LanduseTable::global();
    let (w, h) = (1400, 1000);
    let fit = Fit::new(bbox, w, h);
    let draw = |selected: &[usize]| {
        let mut img = image(&layers, selected, Some(""), bbox, (w, h, 96.0));
        img.sheet.vector_overlay = true;
        img.legend = false;
        map_image::render(&img).unwrap()
    };
    let selected = draw(&sel);
    let plain = draw(&[]);
    dump(&selected, "selected-raster");
    let mut checked = (0, 0);
    for i in 0..parcels.len() {
        let (Some(Some(g)), Some(Some(c))) = (parcels.geometries.get(i), parcels.class.get(i))
        else {
            continue;
        };
        // Large parcels only, so the sampled pixel is well inside.
        if parcels.area_m2[i] < 8_000.0 {
            continue;
        }
        let Some(pt) = g.interior_point() else {
            continue;
        };
        let Some(px) = pixel_at(&selected, &fit, pt.0) else {
            continue;
        };
        let rgb = table.rgb(*c);
        let near = |a: [u8; 3], b: [u8; 3]| a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 2);
        if sel.binary_search(&i).is_ok() {
            assert!(near(px, rgb), "selected {i}: {px:?} vs {rgb:?}");
            checked.0 += 1;
        } else {
            assert!(near(px, map_image::dimmed_rgb(rgb)), "other {i}: {px:?}");
            checked.1 += 1;
        }
        // Nothing selected: the standard colours.
        if let Some(px) = pixel_at(&plain, &fit, pt.0) {
            assert!(near(px, rgb), "unselected map {i}: {px:?} vs {rgb:?}");
        }
    }
    assert!(checked.0 > 5 && checked.1 > 5, "{checked:?}");
    // Colour fractions: no pixel is the window's yellow highlight, and the
    // selection's class colours cover a good share of the image.
    let highlight: Vec<[u8; 3]> = sel
        .iter()
        .filter_map(|&i| parcels.class[i])
        .map(|c| map_image::selected_rgb(table.rgb(c)))
        .collect();
    let class_rgb: Vec<[u8; 3]> = sel
        .iter()
        .filter_map(|&i| parcels.class[i])
        .map(|c| table.rgb(c))
        .collect();
    let (mut yellow, mut classed) = (0usize, 0usize);
    for px in selected.pixels() {
        let c = px.demultiply();
        let rgb = [c.red(), c.green(), c.blue()];
        yellow += usize::from(highlight.contains(&rgb));
        classed += usize::from(class_rgb.contains(&rgb));
    }
    let total = (w * h) as usize;
    assert!(yellow * 1000 < total, "{yellow} highlight-yellow pixels");
    assert!(
        classed * 10 > total,
        "{classed} of {total} in class colours"
    );
}

#[test]
fn the_legend_never_covers_the_north_arrow_or_the_scale_bar() {
    let p = project();
    let layers = styled(&p);
    let all = p.bbox().unwrap();
    for (w, h, dpi) in [
        (1600, 1100, 150.0),
        (500, 400, 96.0),
        (800, 300, 96.0),
        (300, 900, 72.0),
    ] {
        let mut img = image(&layers, &[], None, all, (w, h, dpi));
        img.title = Some("空港新城土地利用规划图".to_string());
        img.sheet = SheetInfo {
            organisation: "嘉兴市规划设计研究院".to_string(),
            date: "2026-12-02".to_string(),
            number: "03".to_string(),
            source: "示意数据".to_string(),
            method: "面积口径：椭球面积".to_string(),
            disclaimer: Some("示意性规划数据，不代表法定规划成果。".to_string()),
            vector_overlay: false,
        };
        let ov = map_image::overlay(&img);
        let arrow = ov.north_arrow.unwrap();
        let bar = ov.scale_bar.as_ref().unwrap().bounds;
        if let Some(lb) = ov.legend_box {
            assert!(
                !lb.intersects(&arrow),
                "{w}×{h}: legend {lb:?} over arrow {arrow:?}"
            );
            assert!(
                !lb.intersects(&bar),
                "{w}×{h}: legend {lb:?} over scale bar {bar:?}"
            );
            if let Some(tb) = ov.title_block {
                assert!(!lb.intersects(&tb), "{w}×{h}: legend over the title block");
            }
        }
        if let Some(tb) = ov.title_block {
            assert!(!tb.intersects(&arrow) && !tb.intersects(&bar), "{w}×{h}");
        }
        assert!(!arrow.intersects(&bar));
    }
}

#[test]
fn the_png_title_block_names_the_sheet() {
    let p = project();
    let layers = styled(&p);
    let all = p.bbox().unwrap();
    let mut img = image(&layers, &[], None, all, (2000, 1400, 150.0));
    img.title = Some("空港新城土地利用规划图".to_string());
    img.sheet = SheetInfo {
        organisation: "嘉兴市规划设计研究院".to_string(),
        date: "2026-12-02".to_string(),
        number: "03".to_string(),
        source: "示意数据".to_string(),
        method: "面积口径：椭球面积".to_string(),
        disclaimer: Some("示意性规划数据，不代表法定规划成果。".to_string()),
        vector_overlay: false,
    };
    let (pixmap, ov) = map_image::render_with_overlay(&img).unwrap();
    dump(&pixmap, "title-block");
    assert!(ov.title_block.is_some());
    let shown = texts(&ov);
    for t in [
        "图名",
        "编制单位",
        "嘉兴市规划设计研究院",
        "日期",
        "2026-12-02",
        "图号",
        "03",
        "数据来源",
        "面积口径",
        "椭球面积",
    ] {
        assert!(shown.iter().any(|s| s == t), "{t} missing");
    }
    assert!(shown.iter().any(|s| s.contains("不代表法定规划成果")));
}

#[test]
fn a_vector_overlay_leaves_the_raster_without_text() {
    let p = project();
    let layers = styled(&p);
    let all = p.bbox().unwrap();
    let dark_in = |vector: bool| {
        let mut img = image(&layers, &[], None, all, (1200, 900, 120.0));
        img.sheet.vector_overlay = vector;
        let (pixmap, ov) = map_image::render_with_overlay(&img).unwrap();
        let lb = ov.legend_box.unwrap();
        let mut dark = 0;
        for y in lb.y as u32..lb.bottom() as u32 {
            for x in lb.x as u32..lb.right() as u32 {
                if let Some(c) = pixmap.pixel(x, y).map(|p| p.demultiply()) {
                    dark += usize::from(c.red() < 50 && c.green() < 50 && c.blue() < 50);
                }
            }
        }
        dark
    };
    assert!(dark_in(false) > 100, "the painted legend has text");
    assert_eq!(dark_in(true), 0);
}

#[test]
fn a_summary_pdf_draws_the_map_furniture_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("summary.pdf");
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_parcelview"))
        .args([
            "report",
            project.to_str().unwrap(),
            "--where",
            PARK,
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = pdf_extract::extract_text(&out).unwrap();
    assert!(
        text.contains("比例尺 1:"),
        "no scale figure in the PDF text"
    );
    assert!(text.contains("光电信息产业园"));
}

#[test]
fn the_legend_lists_the_offline_basemaps_water_and_roads() {
    // The report maps draw the project's layers over its offline basemap, which
    // paints the water and roads: those are listed first, and only where the view
    // holds them.
    let p = project();
    let basemap = p.offline_basemap();
    let layers: Vec<(&Layer, ImageStyle)> = styled(&p)
        .into_iter()
        .filter(|(_, s)| s.name != "水系" && s.name != "道路")
        .collect();
    let bbox = p.bbox().unwrap();
    let mut img = image(&layers, &[], None, bbox, (1200, 900, 96.0));
    img.basemap = Some(&basemap);
    let labels: Vec<String> = map_image::overlay(&img)
        .legend
        .into_iter()
        .map(|e| e.label)
        .collect();
    assert_eq!(
        labels.get(..2),
        Some(&["水系".to_string(), "道路".to_string()][..]),
        "{labels:?}"
    );
    // Without the basemap nothing of it is listed.
    img.basemap = None;
    let labels: Vec<String> = map_image::overlay(&img)
        .legend
        .into_iter()
        .map(|e| e.label)
        .collect();
    assert!(
        !labels.iter().any(|l| l == "水系" || l == "道路"),
        "{labels:?}"
    );
    // A view far from the district holds neither.
    let away = Rect::new(
        Coord { x: 100.0, y: 10.0 },
        Coord {
            x: 100.01,
            y: 10.01,
        },
    );
    let mut img = image(&layers, &[], None, away, (400, 300, 96.0));
    img.basemap = Some(&basemap);
    assert!(map_image::overlay(&img).legend.is_empty());
}

/// The project's visible layers as the CLI's `render` and report maps take them:
/// the basemap's water and roads as label sources, painted by the basemap.
fn as_rendered(p: &Project) -> Vec<(&Layer, ImageStyle)> {
    p.layers
        .iter()
        .filter(|l| l.spec.visible)
        .filter_map(|l| {
            let style = map_image::project_image_style(&l.spec, &l.path, &p.file.basemap.sources)?;
            Some((l.data.as_ref().ok()?, style))
        })
        .collect()
}

fn layer_named<'a>(p: &'a Project, name: &str) -> &'a Layer {
    p.layers
        .iter()
        .find(|l| l.spec.name == name)
        .and_then(|l| l.data.as_ref().ok())
        .unwrap()
}

/// The codes (用地代码) of a layer's features whose geometry reaches into `view`.
fn codes_in(layer: &Layer, view: Rect<f64>) -> Vec<String> {
    use geo::Intersects;
    let table = LanduseTable::global();
    let mut codes: Vec<String> = (0..layer.len())
        .filter(|&i| layer.geometries[i].as_ref().unwrap().intersects(&view))
        .filter_map(|i| layer.class[i])
        .map(|c| table.class(c).unwrap().code.clone())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// The lon/lat box an overlay's map frame shows.
fn frame_view(ov: &Overlay) -> Rect<f64> {
    let fit = ov.fit;
    let corner = |x: f32, y: f32| {
        parcelview::render::lon_lat_from_world(Coord {
            x: fit.origin[0] + f64::from(x) / fit.scale,
            y: fit.origin[1] + f64::from(y) / fit.scale,
        })
    };
    Rect::new(
        corner(ov.map_frame.x, ov.map_frame.bottom()),
        corner(ov.map_frame.right(), ov.map_frame.y),
    )
}

#[test]
fn the_basemaps_roads_and_water_are_listed_by_class_in_the_colours_painted() {
    use parcelview::render::{BasemapKind, BasemapVariant};
    let p = project();
    let basemap = p.offline_basemap();
    let layers = as_rendered(&p);
    let roads = layer_named(&p, "道路");
    let water = layer_named(&p, "水系");
    let all = p.bbox().unwrap();
    let parcels = parcels(&p);
    let sel = parcelview::expr::select_where(parcels, PARK).unwrap();
    let park = parcels.bbox_of(&sel).unwrap();
    for (bbox, size) in [
        (all, (1600, 1200)),
        (all, (1600, 1000)),
        (park, (1200, 900)),
    ] {
        let mut img = image(&layers, &[], None, bbox, (size.0, size.1, 150.0));
        img.basemap = Some(&basemap);
        img.sheet.vector_overlay = true;
        let ov = map_image::overlay(&img);
        img.layers
            .retain(|l| matches!(l.style.paint, ImagePaint::Basemap(_)) || l.style.name == "范围");
        img.legend = false;
        img.bbox = bbox;
        let (bare, bare_ov) = map_image::render_with_overlay(&img).unwrap();
        let view = frame_view(&ov);
        for (name, layer, kind) in [
            ("道路", roads, BasemapKind::Road),
            ("水系", water, BasemapKind::Water),
        ] {
            let (rgb, _) = BasemapVariant::Light.colours(kind);
            let listed: Vec<&str> = ov
                .legend
                .iter()
                .filter(|e| e.group.as_deref() == Some(name))
                .map(|e| {
                    assert!(
                        matches!(e.swatch, Swatch::Fill { rgb: c, .. } if c == rgb),
                        "{e:?}"
                    );
                    e.label.as_str()
                })
                .collect();
            // The classes of the features in view, by code and name, and nothing
            // else: no single 道路 line besides them.
            let table = LanduseTable::global();
            let want: Vec<String> = codes_in(layer, view)
                .into_iter()
                .map(|code| {
                    let c = table.by_code(&code).unwrap();
                    format!("{code} {}", table.class(c).unwrap().name_zh)
                })
                .collect();
            assert!(!want.is_empty());
            assert_eq!(listed, want, "{name} at {size:?}");
            assert!(
                !ov.legend
                    .iter()
                    .any(|e| e.label == name && e.group.is_none())
            );
            // The swatch is the colour the map paints: a wide feature's inside, on
            // the map of the basemap's own layers (nothing drawn over them).
            let inside = (0..layer.len())
                .filter_map(|i| {
                    let p = layer.geometries[i].as_ref()?.interior_point()?;
                    in_view(view, p).then_some((i, p))
                })
                .max_by(|a, b| layer.area_m2[a.0].total_cmp(&layer.area_m2[b.0]))
                .unwrap()
                .1;
            if let Some(px) = pixel_at(&bare, &bare_ov.fit, inside.0) {
                let near = px.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= 3);
                assert!(near, "{name}: {px:?} painted, {rgb:?} listed");
            }
        }
        let road_codes = codes_in(roads, view);
        if bbox == all {
            assert_eq!(road_codes, ["1202", "1207"]);
            assert!(ov.legend.iter().any(|e| e.label == "1202 公路用地"));
        }
    }
}

fn in_view(view: Rect<f64>, p: geo::Point<f64>) -> bool {
    use geo::Contains;
    view.contains(&p)
}

#[test]
fn what_is_not_drawn_is_not_listed() {
    let p = project();
    let basemap = p.offline_basemap();
    let layers = as_rendered(&p);
    let parcels = parcels(&p);
    // Two parcels, far inside the planning boundary: its outline is off the map.
    let ids = ["KG-B-0003", "KG-B-0004"];
    let sel: Vec<usize> = (0..parcels.len())
        .filter(|&i| ids.contains(&parcels.feature_id(i).as_str()))
        .collect();
    let bbox = parcels.bbox_of(&sel).unwrap();
    let mut img = image(&layers, &sel, Some("地块"), bbox, (1600, 1200, 150.0));
    img.basemap = Some(&basemap);
    let ov = map_image::overlay(&img);
    let labels: Vec<&str> = ov.legend.iter().map(|e| e.label.as_str()).collect();
    assert!(!labels.contains(&"范围"), "{labels:?}");
    assert!(!labels.iter().any(|l| l.starts_with("17")), "{labels:?}");
    assert!(labels.contains(&"选中范围"));
    // Without the basemap its layers are not drawn, named or listed.
    img.basemap = None;
    let ov = map_image::overlay(&img);
    assert!(!ov.legend.iter().any(|e| e.group.as_deref() == Some("道路")));
    let roads = layer_named(&p, "道路");
    let f = roads.field_index("名称").unwrap();
    let names: Vec<String> = (0..roads.len())
        .filter_map(|i| roads.value(i, f).to_text())
        .collect();
    assert!(!ov.labels.iter().any(|l| names.contains(&l.lines[0])));
}

#[test]
fn roads_and_water_are_named_along_or_inside_them() {
    use geo::Contains;
    let p = project();
    let basemap = p.offline_basemap();
    let layers = as_rendered(&p);
    let parcels = parcels(&p);
    let sel = parcelview::expr::select_where(parcels, PARK).unwrap();
    let park = parcels.bbox_of(&sel).unwrap();
    let all = p.bbox().unwrap();
    let names_of = |layer: &Layer| -> Vec<(usize, String)> {
        let f = layer.roles.name.unwrap();
        (0..layer.len())
            .filter_map(|i| Some((i, layer.value(i, f).to_text()?)))
            .collect()
    };
    let roads = layer_named(&p, "道路");
    let water = layer_named(&p, "水系");
    // The road field holding the name is found by the data (名称), not the style.
    assert_eq!(roads.fields[roads.roles.name.unwrap()], "名称");
    for (bbox, size, name) in [
        (all, (1600, 1200), "district"),
        (park, (1600, 1200), "park"),
    ] {
        let mut img = image(&layers, &[], None, bbox, (size.0, size.1, 150.0));
        img.basemap = Some(&basemap);
        img.title = Some(p.file.title.clone());
        let (pixmap, ov) = map_image::render_with_overlay(&img).unwrap();
        dump(&pixmap, &format!("names-{name}"));
        assert_labels_apart(&ov);
        let mut named = 0;
        for (layer, along) in [(roads, true), (water, false)] {
            for (i, n) in names_of(layer) {
                let Some(label) = ov.labels.iter().find(|l| l.lines[0] == n) else {
                    continue;
                };
                named += 1;
                let g = layer.geometries[i].as_ref().unwrap();
                // Every character sits on the feature: along a road one by one,
                // inside a pond as a line.
                let boxes = label.boxes();
                if along {
                    assert_eq!(boxes.len(), n.chars().count(), "{n}");
                }
                for b in &boxes {
                    let (cx, cy) = (b.x + b.w / 2.0, b.y + b.h / 2.0);
                    let at = |x: f32, y: f32| {
                        parcelview::render::lon_lat_from_world(Coord {
                            x: ov.fit.origin[0] + f64::from(x) / ov.fit.scale,
                            y: ov.fit.origin[1] + f64::from(y) / ov.fit.scale,
                        })
                    };
                    // On the feature, or within two pixels of its edge.
                    let near = [(0.0, 0.0), (2.0, 0.0), (-2.0, 0.0), (0.0, 2.0), (0.0, -2.0)]
                        .into_iter()
                        .any(|(dx, dy)| g.contains(&geo::Point(at(cx + dx, cy + dy))));
                    assert!(near, "{n}: ({cx}, {cy}) off it");
                }
            }
        }
        assert!(named >= 3, "{name}: {named} road and water names");
    }
}

/// The share of a box (image pixels) that lies over the district on the map:
/// points every few pixels, counted where they fall inside the map's frame and
/// inside the planning boundary (范围).
fn share_over_district(ov: &Overlay, b: Bounds, district: &geo::Geometry<f64>) -> f64 {
    use geo::Contains;
    let (mut over, mut all) = (0usize, 0usize);
    let step = 4.0;
    let mut y = b.y + step / 2.0;
    while y < b.bottom() {
        let mut x = b.x + step / 2.0;
        while x < b.right() {
            all += 1;
            if ov.map_frame.contains(&Bounds::new(x, y, 0.0, 0.0)) {
                let c = parcelview::render::lon_lat_from_world(Coord {
                    x: ov.fit.origin[0] + f64::from(x) / ov.fit.scale,
                    y: ov.fit.origin[1] + f64::from(y) / ov.fit.scale,
                });
                over += usize::from(district.contains(&geo::Point(c)));
            }
            x += step;
        }
        y += step;
    }
    over as f64 / all.max(1) as f64
}

#[test]
fn the_legend_and_the_scale_bar_keep_off_the_district() {
    let p = project();
    let basemap = p.offline_basemap();
    let layers = as_rendered(&p);
    let district = layer_named(&p, "范围").geometries[0].clone().unwrap();
    let parcels = parcels(&p);
    let ids = ["KG-B-0003", "KG-B-0004"];
    let two: Vec<usize> = (0..parcels.len())
        .filter(|&i| ids.contains(&parcels.feature_id(i).as_str()))
        .collect();
    let sel = parcelview::expr::select_where(parcels, PARK).unwrap();
    let all = p.bbox().unwrap();
    let some = Rect::new(
        Coord {
            x: 120.66,
            y: 30.70,
        },
        Coord {
            x: 120.70,
            y: 30.73,
        },
    );
    let none: &[usize] = &[];
    let cases = [
        ("district", all, none, (1600, 1200)),
        ("district-wide", all, none, (1600, 1000)),
        ("district-tall", all, none, (1000, 1400)),
        ("bbox", some, none, (1600, 1200)),
        (
            "ids",
            parcels.bbox_of(&two).unwrap(),
            &two[..],
            (1600, 1200),
        ),
        (
            "park",
            parcels.bbox_of(&sel).unwrap(),
            &sel[..],
            (1600, 1200),
        ),
    ];
    for (name, bbox, selected, (w, h)) in cases {
        let mut img = image(&layers, selected, Some("地块"), bbox, (w, h, 150.0));
        img.basemap = Some(&basemap);
        img.title = Some(p.file.title.clone());
        let (pixmap, ov) = map_image::render_with_overlay(&img).unwrap();
        dump(&pixmap, &format!("sheet-{name}"));
        let lb = ov.legend_box.unwrap_or_else(|| panic!("{name}: no legend"));
        let bar = ov.scale_bar.as_ref().unwrap().bounds;
        let full = Bounds::new(0.0, 0.0, w as f32, h as f32);
        assert!(full.contains(&lb) && full.contains(&bar), "{name}");
        let legend_share = share_over_district(&ov, lb, &district);
        let bar_share = share_over_district(&ov, bar, &district);
        assert!(
            legend_share < 0.05,
            "{name}: legend {:.0} % over the district",
            legend_share * 100.0
        );
        assert!(
            bar_share < 0.05,
            "{name}: scale bar {:.0} % over the district",
            bar_share * 100.0
        );
        // Every entry is shown.
        assert!(!texts(&ov).iter().any(|t| t.starts_with("另 ")), "{name}");
        // A panel is paper: nothing of the map is painted on it.
        if let Some(panel) = ov.panel {
            assert!(!panel.intersects(&ov.map_frame));
            let (x, y) = (panel.right() as u32 - 2, panel.bottom() as u32 - 2);
            let c = pixmap.pixel(x, y).unwrap().demultiply();
            assert_eq!((c.red(), c.green(), c.blue()), (255, 255, 255), "{name}");
        }
    }
    // A report's map (no legend on it, its furniture drawn as vectors) of the
    // whole plan keeps its scale bar off the district too, at an A4 summary's size.
    let mut img = image(
        &layers,
        &[],
        None,
        parcels.bbox().unwrap(),
        (1416, 862, 200.0),
    );
    img.basemap = Some(&basemap);
    img.legend = false;
    img.sheet.vector_overlay = true;
    let ov = map_image::overlay(&img);
    assert!(ov.panel.is_none() && ov.legend_box.is_none());
    let bar = ov.scale_bar.as_ref().unwrap().bounds;
    assert!(share_over_district(&ov, bar, &district) < 0.05);
}

#[test]
fn long_legend_labels_are_wrapped_not_cut() {
    let p = project();
    let basemap = p.offline_basemap();
    let layers = as_rendered(&p);
    let all = p.bbox().unwrap();
    // Narrow and small images, where the legend has little room.
    for (w, h, dpi) in [(700, 1100, 150.0), (1600, 1200, 150.0), (600, 500, 96.0)] {
        let mut img = image(&layers, &[], None, all, (w, h, dpi));
        img.basemap = Some(&basemap);
        let ov = map_image::overlay(&img);
        let shown = texts(&ov);
        assert!(!shown.iter().any(|t| t.contains('…')), "{w}×{h}: {shown:?}");
        let Some(lb) = ov.legend_box else { continue };
        // Each label's text is in the box in full, whatever its lines; a long
        // class name is on more than one line.
        let boxed = legend_text(&ov);
        let whole = ov
            .legend
            .iter()
            .take_while(|e| {
                let label: String = e.label.chars().filter(|c| !c.is_whitespace()).collect();
                boxed.contains(&label)
            })
            .count();
        let more = shown.iter().any(|t| t.starts_with("另 "));
        assert!(
            whole == ov.legend.len() || more,
            "{w}×{h}: {whole} of {}",
            ov.legend.len()
        );
        let long = "080602 基层医疗卫生设施用地";
        if w == 700 {
            assert!(ov.legend.iter().any(|e| e.label == long));
            assert!(
                !shown.iter().any(|t| t == long),
                "{long} on one line in a narrow legend"
            );
        }
        // No line of the legend runs out of its box.
        for s in &ov.shapes {
            if let Shape::Text {
                x, y, size, text, ..
            } = s
                && lb.contains(&Bounds::new(*x, *y, 0.0, 0.0))
            {
                let right = x + parcelview::render::canvas::text_advance(text, *size);
                assert!(right <= lb.right() + 0.5, "{text} runs out of the legend");
            }
        }
    }
}

#[test]
fn the_cli_names_roads_on_the_png_and_the_report_maps() {
    let dir = tempfile::tempdir().unwrap();
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json");
    let png = dir.path().join("m.png");
    let pdf = dir.path().join("s.pdf");
    for args in [
        vec![
            "render",
            project.to_str().unwrap(),
            "--out",
            png.to_str().unwrap(),
        ],
        vec![
            "report",
            project.to_str().unwrap(),
            "--where",
            PARK,
            "--out",
            pdf.to_str().unwrap(),
        ],
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_parcelview"))
            .args(&args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // The report's first page: its map names the park's roads and canal, and its
    // legend lists their classes.
    let first = crate::documents::pages_of(&pdf).remove(0);
    let p = self::project();
    let roads = layer_named(&p, "道路");
    let f = roads.field_index("名称").unwrap();
    let named = (0..roads.len())
        .filter_map(|i| roads.value(i, f).to_text())
        .filter(|n| first.contains(n.as_str()))
        .count();
    assert!(named >= 2, "{named} road names on the report's map");
    assert!(first.contains("1207城镇村道路用地"), "{first}");
    assert!(first.contains("1701河流水面") || first.contains("1705沟渠"));
    // The PNG: the panel beside the map is white paper, and the map's frame
    // line separates it from the map.
    let img = image::open(&png).unwrap().to_rgba8();
    let (w, h) = img.dimensions();
    let corner = img.get_pixel(w - 3, h - 3);
    assert_eq!(&corner.0[..3], &[255, 255, 255]);
}

#[test]
fn the_apps_png_export_names_the_water_and_keeps_the_legend_off_the_map() {
    use parcelview::app::{ExportKind, ParcelApp, Settings};
    let dir = tempfile::tempdir().unwrap();
    let app = ParcelApp::new(project(), Settings::default());
    let mut h = egui_kittest::Harness::builder()
        .with_size([1440.0, 900.0])
        .with_max_steps(20)
        .build_ui_state(|ui, app: &mut ParcelApp| app.frame_ui(ui), app);
    h.run_steps(4);
    let png = dir.path().join("view.png");
    {
        let app = h.state_mut();
        app.export.kind = ExportKind::MapImage;
        app.export.size = [1600, 1200];
        app.export.dpi = 150.0;
        app.export.path = png.to_str().unwrap().to_string();
        app.start_export();
    }
    crate::app::run_until(&mut h, |app| !app.is_exporting());
    let img = image::open(&png).unwrap().to_rgba8();
    // Water names are lettered in their own deep blue, which nothing else on the
    // map is drawn in: the canals and ponds are named although the offline
    // basemap paints them.
    let blue = img.pixels().filter(|p| p.0[..3] == [28, 92, 160]).count();
    assert!(blue > 20, "{blue} pixels of water names");
    // The legend has its own panel, white paper beside or under the map.
    let (w, h) = img.dimensions();
    assert_eq!(&img.get_pixel(w - 3, h - 3).0[..3], &[255, 255, 255]);
}
