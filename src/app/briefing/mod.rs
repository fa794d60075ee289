//! Briefing mode: the bookmarks as slides, full screen, for a projector. The map
//! fills the screen under a title bar and a caption, with a legend, a large scale
//! bar and north arrow, a hover card and statistics in large type, a spotlight
//! that dims all but the selection, and a pointer highlight. Slides change with
//! →/←, PageDown/PageUp (what presenter remotes send) and space, flying smoothly
//! between views.

use egui::{Align2, Color32, FontId, Id, LayerId, Order, Pos2, Rect, Stroke, pos2, vec2};

use crate::app::map::flight::{Flight, map_area};
use crate::app::{Command, Lang, ParcelApp};
use crate::app::{StatsGroup, StatsScope};
use crate::landuse::{ClassId, LanduseTable};
use crate::stats;

/// Two layers side by side: `left` shows left of the swipe line, `right` right of
/// it; `split` is the line's place across the map, 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Compare {
    pub left: usize,
    pub right: usize,
    pub split: f32,
}

pub struct Briefing {
    pub active: bool,
    /// The bookmark shown.
    pub slide: usize,
    pub spotlight: bool,
    /// Show the selection's statistics over the map.
    pub show_stats: bool,
    /// A ring around the pointer, easy to follow on a projector.
    pub pointer: bool,
    pub flight: Option<Flight>,
    /// A view to fly to, started once the map knows its size.
    pub flight_to: Option<[f64; 4]>,
    /// Whether full screen has been asked of the window.
    fullscreen: bool,
}

impl Default for Briefing {
    fn default() -> Briefing {
        Briefing {
            active: false,
            slide: 0,
            spotlight: false,
            show_stats: false,
            pointer: true,
            flight: None,
            flight_to: None,
            fullscreen: false,
        }
    }
}

impl Briefing {
    pub fn fly_to(&mut self, bbox: [f64; 4]) {
        self.flight_to = Some(bbox);
    }
}

/// Colours of the briefing: light text on near-black bars, for contrast on a
/// washed-out projector.
const BAR: Color32 = Color32::from_rgba_premultiplied(16, 20, 28, 238);
const TEXT: Color32 = Color32::WHITE;
const ACCENT: Color32 = Color32::from_rgb(255, 214, 0);

impl ParcelApp {
    /// One frame of briefing mode.
    pub(crate) fn briefing_frame_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.briefing.fullscreen {
            self.briefing.fullscreen = true;
            ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(true));
        }
        let (next, prev, leave, spot, pointer) = ctx.input(|i| {
            let k = |key| i.key_pressed(key);
            (
                k(egui::Key::ArrowRight) || k(egui::Key::PageDown) || k(egui::Key::Space),
                k(egui::Key::ArrowLeft) || k(egui::Key::PageUp),
                k(egui::Key::Escape),
                k(egui::Key::S),
                k(egui::Key::P),
            )
        });
        if next {
            self.push(Command::NextSlide);
        }
        if prev {
            self.push(Command::PrevSlide);
        }
        if spot {
            self.push(Command::ToggleSpotlight);
        }
        if pointer {
            self.push(Command::TogglePointer);
        }
        if leave {
            self.push(Command::StopBriefing);
            self.briefing.fullscreen = false;
            ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(false));
        }
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| self.map_ui(ui));
        let screen = ctx.content_rect();
        let painter = ctx.layer_painter(LayerId::new(Order::Foreground, Id::unique("briefing")));
        self.title_bar(&painter, screen);
        let caption_top = self.caption_bar(&painter, screen);
        self.briefing_legend(&painter, screen);
        self.briefing_analysis_legend(&painter, screen);
        if self.briefing.show_stats {
            self.stats_overlay(&painter, screen);
        }
        if let Some(p) = ctx.pointer_hover_pos() {
            if let Some((li, fi)) = self.hovered {
                self.hover_card(&painter, p, screen, li, fi);
            }
            if self.briefing.pointer {
                painter.circle_filled(p, 26.0, Color32::from_rgba_unmultiplied(255, 214, 0, 60));
                painter.circle_stroke(p, 26.0, Stroke::new(3.0, ACCENT));
            }
        }
        key_hints(&painter, screen, caption_top, self.settings.lang);
    }

    fn current_slide(&self) -> Option<&crate::project::Bookmark> {
        self.bookmarks.get(self.briefing.slide)
    }

    fn title_bar(&self, painter: &egui::Painter, screen: Rect) {
        let chinese = self.settings.lang == Lang::Zh;
        let bar = Rect::from_min_size(screen.min, vec2(screen.width(), 84.0));
        painter.rect_filled(bar, 0.0, BAR);
        let title = self
            .current_slide()
            .map(|b| b.title_in(chinese).to_string())
            .unwrap_or_default();
        painter.text(
            bar.left_center() + vec2(28.0, 0.0),
            Align2::LEFT_CENTER,
            title,
            FontId::proportional(36.0),
            TEXT,
        );
        painter.text(
            bar.right_center() - vec2(28.0, 0.0),
            Align2::RIGHT_CENTER,
            format!(
                "{}   {} / {}",
                self.report_title(self.settings.lang),
                self.briefing.slide + 1,
                self.bookmarks.len()
            ),
            FontId::proportional(20.0),
            Color32::from_gray(200),
        );
    }

    /// The caption at the bottom, wrapped; returns the bar's top.
    fn caption_bar(&self, painter: &egui::Painter, screen: Rect) -> f32 {
        let chinese = self.settings.lang == Lang::Zh;
        let caption = self
            .current_slide()
            .map(|b| b.caption_in(chinese).to_string())
            .unwrap_or_default();
        if caption.is_empty() {
            return screen.bottom();
        }
        let galley = painter.layout(
            caption,
            FontId::proportional(24.0),
            TEXT,
            screen.width() - 64.0,
        );
        let h = galley.size().y + 32.0;
        let bar = Rect::from_min_max(pos2(screen.left(), screen.bottom() - h), screen.max);
        painter.rect_filled(bar, 0.0, BAR);
        painter.galley(bar.min + vec2(32.0, 16.0), galley, TEXT);
        bar.top()
    }

    /// The land-use classes of the visible parcel layers (level 2), in large type.
    fn briefing_legend(&self, painter: &egui::Painter, screen: Rect) {
        let table = LanduseTable::global();
        let palette = self.settings.palette;
        let mut classes: Vec<ClassId> = Vec::new();
        for (li, l) in self.layers.iter().enumerate() {
            let compared = self.compare.is_some_and(|c| c.left == li || c.right == li);
            if !(l.spec.visible || compared) || l.spec.style.kind != "landuse" {
                continue;
            }
            classes.extend(
                l.classes
                    .iter()
                    .map(|&c| table.at_level(table.shown_as(c, palette), 2)),
            );
        }
        let code = |c: &ClassId| table.class(*c).map(|k| k.code.clone()).unwrap_or_default();
        classes.sort_by_key(code);
        classes.dedup();
        if classes.is_empty() {
            return;
        }
        let chinese = self.settings.lang == Lang::Zh;
        let size = 17.0;
        let row = size * 1.5;
        let shown = classes
            .len()
            .min(((screen.height() - 300.0) / row).max(3.0) as usize);
        let hatched: Vec<bool> = classes
            .iter()
            .take(shown)
            .map(|c| crate::render::hatch::is_hatched(Some(*c)))
            .collect();
        let lines: Vec<([u8; 3], String)> = classes
            .iter()
            .take(shown)
            .filter_map(|c| {
                let class = table.class(*c)?;
                let name = if chinese {
                    &class.name_zh
                } else {
                    &class.name_en
                };
                Some((table.rgb(*c), format!("{} {name}", class.code)))
            })
            .collect();
        let galleys: Vec<_> = lines
            .iter()
            .map(|(_, t)| {
                painter.layout_no_wrap(t.clone(), FontId::proportional(size), Color32::BLACK)
            })
            .collect();
        // As wide as the longest name, within the strip the map leaves clear.
        let text_w = galleys.iter().map(|g| g.size().x).fold(60.0, f32::max);
        let w = (text_w + 62.0).min(300.0);
        let h = row * (lines.len() as f32 + 1.0) + 16.0;
        let panel = Rect::from_min_size(
            pos2(screen.right() - w - 16.0, screen.top() + 100.0),
            vec2(w, h),
        );
        painter.rect_filled(
            panel,
            6.0,
            Color32::from_rgba_unmultiplied(255, 255, 255, 235),
        );
        painter.text(
            panel.min + vec2(12.0, 8.0),
            Align2::LEFT_TOP,
            if chinese { "图例" } else { "Legend" },
            FontId::proportional(size),
            Color32::BLACK,
        );
        for (k, ((rgb, _), galley)) in lines.iter().zip(galleys).enumerate() {
            let y = panel.top() + 8.0 + row * (k as f32 + 1.0);
            let swatch =
                Rect::from_min_size(pos2(panel.left() + 12.0, y + 3.0), vec2(26.0, size - 2.0));
            painter.rect_filled(swatch, 2.0, Color32::from_rgb(rgb[0], rgb[1], rgb[2]));
            // Reserved land is white: hatched as on the map, and every swatch edged,
            // so a white class still shows on the white panel.
            if hatched.get(k).copied().unwrap_or(false) {
                swatch_hatch(painter, swatch);
            }
            painter.rect_stroke(
                swatch,
                2.0,
                Stroke::new(1.0, Color32::from_gray(120)),
                egui::StrokeKind::Inside,
            );
            painter.galley(pos2(panel.left() + 46.0, y), galley, Color32::BLACK);
        }
    }

    /// The legend of the analysis layers a slide shows (the 净空 surfaces with
    /// the count of conflicting parcels, a type's life circles), in large type at
    /// the bottom right of the clear area.
    fn briefing_analysis_legend(&self, painter: &egui::Painter, screen: Rect) {
        use crate::app::map::widget::analysis_layers::paint_legend;
        let a = &self.analysis;
        let clearance = a
            .clearance
            .ready()
            .filter(|_| a.clearance_on)
            .map(|d| d.as_ref());
        let coverage = a.coverage_kind.as_ref().and_then(|k| {
            let d = a.coverage.ready()?;
            Some((k.as_str(), d.types.get(k)?))
        });
        paint_legend(
            painter,
            map_area(screen),
            clearance,
            coverage,
            self.settings.lang,
            18.0,
        );
    }

    /// The selection's land-use balance in large type, bottom left above the caption;
    /// without a selection, the whole plan's (all its layers, level 1): the whole
    /// hierarchical table as the statistics panel and the handout print it, every
    /// row in table order (level-1 rows brighter, finer levels indented beneath),
    /// 现状 beside 规划 with 增减 where the plan has a present state, and the 合计.
    /// The type shrinks to fit the clear area; a selection whose level-2 rows do not
    /// fit even so is shown at level 1.
    fn stats_overlay(&mut self, painter: &egui::Painter, screen: Rect) {
        let selected = self
            .active
            .and_then(|a| self.layers.get(a))
            .is_some_and(|l| !l.selection.is_empty());
        let area = map_area(screen);
        // Above the scale bar, which sits at the bottom left of the clear area.
        let bottom = area.bottom() - 90.0;
        let room_h = (bottom - area.top()).max(120.0);
        let levels: &[u8] = if selected { &[2, 1] } else { &[1] };
        let mut chosen = None;
        for &level in levels {
            let scope = if selected {
                StatsScope::Selection
            } else {
                StatsScope::Plan
            };
            // The statistics panel's computation and cache.
            let Some(b) = self.balance_for(scope, StatsGroup::Class(level)) else {
                continue;
            };
            let size = balance_type_size(b.rows.len() + 1, room_h);
            let fits = size >= MIN_BALANCE_SIZE;
            chosen = Some((b, size.max(MIN_BALANCE_SIZE)));
            if fits {
                break;
            }
        }
        let Some((b, size)) = chosen else {
            return;
        };
        let chinese = self.settings.lang == Lang::Zh;
        let grid = balance_grid(&b, chinese, selected);
        let font = FontId::proportional(size);
        let row_h = size * BALANCE_ROW_EM;
        let swatch_w = size * 0.9;
        let indent = size * 1.2;
        let pad = 16.0;
        let gap = size * 1.1;
        // Each column as wide as its widest cell; the first holds the swatch and the
        // indent too.
        let mut widths: Vec<f32> = vec![0.0; grid.heads.len()];
        for line in std::iter::once(&grid.heads).chain(grid.rows.iter().map(|r| &r.cells)) {
            for (k, cell) in line.iter().enumerate() {
                let w = painter
                    .layout_no_wrap(cell.clone(), font.clone(), TEXT)
                    .size()
                    .x;
                if let Some(slot) = widths.get_mut(k) {
                    *slot = slot.max(w);
                }
            }
        }
        let deepest = grid.rows.iter().map(|r| r.level).max().unwrap_or(1);
        if let Some(first) = widths.first_mut() {
            *first += swatch_w + 8.0 + indent * f32::from(deepest.saturating_sub(1));
        }
        let table_w: f32 = widths.iter().sum::<f32>() + gap * (widths.len() as f32 - 1.0);
        let head_galley =
            painter.layout_no_wrap(grid.title.clone(), FontId::proportional(size + 3.0), ACCENT);
        let w = table_w.max(head_galley.size().x) + 2.0 * pad;
        let h = row_h * (grid.rows.len() as f32 + 1.0) + (size + 3.0) * 1.5 + 2.0 * pad;
        let panel = Rect::from_min_size(pos2(screen.left() + 16.0, bottom - h), vec2(w, h));
        painter.rect_filled(panel, 8.0, BAR);
        painter.galley(panel.min + vec2(pad, pad), head_galley, ACCENT);
        let top = panel.top() + pad + (size + 3.0) * 1.5;
        // Column x positions: the first left-aligned, the figures right-aligned.
        let mut right = panel.left() + pad;
        let rights: Vec<f32> = widths
            .iter()
            .map(|w| {
                right += w;
                let r = right;
                right += gap;
                r
            })
            .collect();
        let dim = Color32::from_gray(190);
        let cell_at = |k: usize, y: f32, text: &str, color: Color32, x0: f32| {
            if k == 0 {
                painter.text(pos2(x0, y), Align2::LEFT_TOP, text, font.clone(), color);
            } else if let Some(r) = rights.get(k) {
                painter.text(pos2(*r, y), Align2::RIGHT_TOP, text, font.clone(), color);
            }
        };
        for (k, head) in grid.heads.iter().enumerate() {
            cell_at(k, top, head, dim, panel.left() + pad);
        }
        for (n, row) in grid.rows.iter().enumerate() {
            let y = top + row_h * (n as f32 + 1.0);
            let x0 = panel.left() + pad + indent * f32::from(row.level.saturating_sub(1));
            if row.total {
                painter.line_segment(
                    [
                        pos2(panel.left() + pad, y - 3.0),
                        pos2(panel.right() - pad, y - 3.0),
                    ],
                    Stroke::new(1.0, dim),
                );
            }
            if let Some([r, g, bb]) = row.rgb {
                let sw = Rect::from_min_size(pos2(x0, y + size * 0.2), vec2(swatch_w, size * 0.8));
                painter.rect_filled(sw, 2.0, Color32::from_rgb(r, g, bb));
                painter.rect_stroke(sw, 2.0, Stroke::new(1.0, dim), egui::StrokeKind::Inside);
            }
            // Level-1 rows and the total in white, finer rows in grey.
            let color = if row.level == 1 { TEXT } else { dim };
            for (k, cell) in row.cells.iter().enumerate() {
                cell_at(
                    k,
                    y,
                    cell,
                    if row.total { ACCENT } else { color },
                    x0 + swatch_w + 8.0,
                );
            }
        }
    }

    /// A large card of the feature under the pointer.
    fn hover_card(&self, painter: &egui::Painter, p: Pos2, screen: Rect, li: usize, fi: usize) {
        let Some(data) = self.layers.get(li).and_then(|l| l.data.as_ref().ok()) else {
            return;
        };
        let chinese = self.settings.lang == Lang::Zh;
        let (head, mut lines) = crate::app::state::describe::feature_summary(data, fi, chinese);
        use crate::model::FieldRole;
        for (role, zh, en) in [
            (FieldRole::Far, "容积率", "FAR"),
            (FieldRole::HeightLimit, "限高（m）", "Height limit (m)"),
        ] {
            if let Some(v) = data.role_f64(fi, role) {
                lines.push(format!("{} {v}", if chinese { zh } else { en }));
            }
        }
        for field in ["状态", "所属园区", "类型"] {
            if let Some(v) = data
                .field_index(field)
                .and_then(|k| data.value(fi, k).to_text())
            {
                lines.push(v);
            }
        }
        let body = painter.layout_no_wrap(lines.join("\n"), FontId::proportional(20.0), TEXT);
        let title = painter.layout_no_wrap(head, FontId::proportional(24.0), ACCENT);
        let size = vec2(
            body.size().x.max(title.size().x) + 32.0,
            body.size().y + title.size().y + 30.0,
        );
        let mut at = p + vec2(34.0, 34.0);
        if at.x + size.x > screen.right() - 8.0 {
            at.x = p.x - 34.0 - size.x;
        }
        if at.y + size.y > screen.bottom() - 8.0 {
            at.y = p.y - 34.0 - size.y;
        }
        let rect = Rect::from_min_size(at, size);
        painter.rect_filled(rect, 8.0, BAR);
        painter.rect_stroke(
            rect,
            8.0,
            Stroke::new(2.0, ACCENT),
            egui::StrokeKind::Inside,
        );
        let title_h = title.size().y;
        painter.galley(rect.min + vec2(16.0, 12.0), title, ACCENT);
        painter.galley(rect.min + vec2(16.0, 18.0 + title_h), body, TEXT);
    }

    /// The caption of the slide shown (for tests and the window title).
    pub fn slide_caption(&self) -> Option<String> {
        let chinese = self.settings.lang == Lang::Zh;
        self.current_slide()
            .map(|b| b.caption_in(chinese).to_string())
    }
}

/// The keys a presenter uses, bottom right above the caption: light type on the
/// briefing's dark bar, so they read on the light and the dark basemap and over
/// any land-use colour.
fn key_hints(painter: &egui::Painter, screen: Rect, caption_top: f32, lang: Lang) {
    let help = match lang {
        Lang::Zh => "→ / ← 翻页 · S 聚光 · P 指针 · Esc 退出",
        Lang::En => "→ / ← slides · S spotlight · P pointer · Esc leave",
    };
    let galley = painter.layout_no_wrap(help.to_string(), FontId::proportional(16.0), TEXT);
    let rect = Align2::RIGHT_BOTTOM
        .anchor_size(
            pos2(screen.right() - 16.0, caption_top - 10.0),
            galley.size(),
        )
        .expand2(vec2(10.0, 5.0));
    painter.rect_filled(rect, 6.0, BAR);
    painter.galley(rect.min + vec2(10.0, 5.0), galley, TEXT);
}

/// The map's hatching of reserved land in a legend swatch.
fn swatch_hatch(painter: &egui::Painter, swatch: Rect) {
    let ring = vec![
        (swatch.left(), swatch.top()),
        (swatch.right(), swatch.top()),
        (swatch.right(), swatch.bottom()),
        (swatch.left(), swatch.bottom()),
    ];
    let [r, g, b] = crate::render::hatch::HATCH_RGB;
    let stroke = Stroke::new(1.0, Color32::from_rgb(r, g, b));
    for [a, z] in crate::render::hatch::hatch_segments(&[ring], 5.0) {
        painter.line_segment([pos2(a.0, a.1), pos2(z.0, z.1)], stroke);
    }
}

/// The smallest type (points) the briefing's balance table is set in, still
/// legible from the back of a meeting room.
const MIN_BALANCE_SIZE: f32 = 13.0;
/// The largest, where the table is short.
const MAX_BALANCE_SIZE: f32 = 19.0;
/// Row height in ems.
const BALANCE_ROW_EM: f32 = 1.45;

/// The type size that fits `rows` table rows (with the heading row and the title)
/// into `room_h` points, at most [`MAX_BALANCE_SIZE`]; below
/// [`MIN_BALANCE_SIZE`] when they do not fit at that size.
fn balance_type_size(rows: usize, room_h: f32) -> f32 {
    // Rows, the column heads, the title (1.5 em at 3 points more) and the padding.
    let ems = BALANCE_ROW_EM * (rows as f32 + 1.0) + 1.5;
    ((room_h - 32.0 - 4.5) / ems).min(MAX_BALANCE_SIZE)
}

/// The briefing's balance table as text: a title, column heads and rows of
/// cells, the 合计 last.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BalanceGrid {
    pub title: String,
    pub heads: Vec<String>,
    pub rows: Vec<GridRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GridRow {
    pub level: u8,
    pub rgb: Option<[u8; 3]>,
    pub total: bool,
    pub cells: Vec<String>,
}

/// Lays out a balance table for a slide: the land use (code and name), then 现状,
/// 规划, the plan's share and 增减 where the table has a present state, else the
/// area and its share; every row and the 合计, with thousands separated.
pub(crate) fn balance_grid(b: &stats::BalanceTable, chinese: bool, selected: bool) -> BalanceGrid {
    use crate::app::panels::stats::thousands;
    let l = |zh: &str, en: &str| {
        if chinese {
            zh.to_string()
        } else {
            en.to_string()
        }
    };
    let ha = |c: Option<&stats::BalanceCell>| {
        c.map_or(String::new(), |c| thousands(c.area_ha_rounded, 2))
    };
    let pct = |c: Option<&stats::BalanceCell>| {
        c.map_or(String::new(), |c| format!("{:.1}", c.share_pct_rounded))
    };
    let total = b.total.plan.unwrap_or_default();
    let title = match (chinese, selected) {
        (true, true) => format!(
            "所选 {} 个 · {} 公顷 · {} 亩",
            total.count,
            thousands(total.area_ha_rounded, 2),
            thousands(total.area_mu_rounded, 1)
        ),
        (true, false) => format!(
            "规划总用地 {} 公顷 · {} 亩",
            thousands(total.area_ha_rounded, 2),
            thousands(total.area_mu_rounded, 1)
        ),
        (false, true) => format!(
            "{} selected · {} ha · {} mu",
            total.count,
            thousands(total.area_ha_rounded, 2),
            thousands(total.area_mu_rounded, 1)
        ),
        (false, false) => format!(
            "Planning area {} ha · {} mu",
            thousands(total.area_ha_rounded, 2),
            thousands(total.area_mu_rounded, 1)
        ),
    };
    let heads = if b.has_present {
        vec![
            l("用地（公顷）", "Land use (ha)"),
            l("现状", "Present"),
            l("规划", "Plan"),
            l("比例（%）", "Share (%)"),
            l("增减", "Change"),
        ]
    } else {
        vec![
            l("用地", "Land use"),
            l("面积（公顷）", "Area (ha)"),
            l("比例（%）", "Share (%)"),
        ]
    };
    let rows = b
        .all_rows()
        .map(|r| {
            let total = std::ptr::eq(r, &b.total);
            let name = if chinese { &r.name } else { &r.name_en };
            let label = if r.key.is_empty() || total {
                name.clone()
            } else {
                format!("{} {name}", r.key)
            };
            let mut cells = vec![label];
            if b.has_present {
                cells.push(ha(r.present.as_ref()));
                cells.push(ha(r.plan.as_ref()));
                cells.push(pct(r.plan.as_ref()));
                cells.push(r.change_ha.map_or(String::new(), |d| {
                    let t = thousands(d, 2);
                    if d > 0.0 { format!("+{t}") } else { t }
                }));
            } else {
                cells.push(ha(r.plan.as_ref()));
                cells.push(pct(r.plan.as_ref()));
            }
            GridRow {
                level: r.level,
                rgb: r.rgb,
                total,
                cells,
            }
        })
        .collect();
    BalanceGrid { title, heads, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flight_starts_and_ends_where_asked_and_dips_between_far_views() {
        let from = ([0.82, 0.41], 14.0);
        let to = ([0.83, 0.42], 15.0);
        let f = Flight::new(from, to, 1200.0, 10.0);
        assert!(f.dip > 0.5, "{f:?}");
        assert_eq!(f.at(10.0).0, from);
        let (end, done) = f.at(10.0 + f.duration);
        assert!(done);
        assert!((end.0[0] - to.0[0]).abs() < 1e-12 && (end.1 - to.1).abs() < 1e-12);
        let (mid, done) = f.at(10.0 + f.duration / 2.0);
        assert!(!done);
        assert!(mid.1 < 14.0, "zooms out in the middle: {mid:?}");
        // Close views do not dip.
        let near = Flight::new(from, ([0.82001, 0.41], 14.0), 1200.0, 0.0);
        assert_eq!(near.dip, 0.0);
    }
}
