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
        let help = match self.settings.lang {
            Lang::Zh => "→ / ← 翻页 · S 聚光 · P 指针 · Esc 退出",
            Lang::En => "→ / ← slides · S spotlight · P pointer · Esc leave",
        };
        painter.text(
            pos2(screen.right() - 16.0, caption_top - 10.0),
            Align2::RIGHT_BOTTOM,
            help,
            FontId::proportional(15.0),
            Color32::from_rgba_unmultiplied(30, 30, 30, 200),
        );
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
            painter.rect_filled(
                Rect::from_min_size(pos2(panel.left() + 12.0, y + 3.0), vec2(26.0, size - 2.0)),
                2.0,
                Color32::from_rgb(rgb[0], rgb[1], rgb[2]),
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
    /// without a selection, the whole plan's (all its layers, level 1).
    fn stats_overlay(&mut self, painter: &egui::Painter, screen: Rect) {
        let selected = self
            .active
            .and_then(|a| self.layers.get(a))
            .is_some_and(|l| !l.selection.is_empty());
        // The statistics panel's computation and cache.
        let t = if selected {
            self.stats_for(StatsScope::Selection, StatsGroup::Class(2))
        } else {
            self.stats_for(StatsScope::Plan, StatsGroup::Class(1))
        };
        let Some(t) = t else {
            return;
        };
        let chinese = self.settings.lang == Lang::Zh;
        let size = 19.0;
        let row = size * 1.45;
        let mut groups: Vec<&stats::GroupRow> = t.groups.iter().collect();
        groups.sort_by(|a, b| b.area_m2.total_cmp(&a.area_m2));
        let top: Vec<&stats::GroupRow> = groups.iter().take(8).copied().collect();
        let w = 470.0;
        let h = row * (top.len() as f32 + 2.0) + 24.0;
        // Above the scale bar, which sits at the bottom left of the clear area.
        let panel = Rect::from_min_size(
            pos2(screen.left() + 16.0, map_area(screen).bottom() - h - 90.0),
            vec2(w, h),
        );
        painter.rect_filled(panel, 8.0, BAR);
        let head = match (chinese, selected) {
            (true, true) => format!(
                "所选 {} 个 · {:.2} 公顷 · {:.1} 亩",
                t.features, t.total_area_ha_rounded, t.total_area_mu_rounded
            ),
            (true, false) => format!(
                "规划总用地 {:.2} 公顷 · {:.1} 亩",
                t.total_area_ha_rounded, t.total_area_mu_rounded
            ),
            (false, true) => format!(
                "{} selected · {:.2} ha · {:.1} mu",
                t.features, t.total_area_ha_rounded, t.total_area_mu_rounded
            ),
            (false, false) => format!(
                "Planning area {:.2} ha · {:.1} mu",
                t.total_area_ha_rounded, t.total_area_mu_rounded
            ),
        };
        painter.text(
            panel.min + vec2(16.0, 12.0),
            Align2::LEFT_TOP,
            head,
            FontId::proportional(size + 3.0),
            ACCENT,
        );
        for (k, g) in top.iter().enumerate() {
            let y = panel.top() + 12.0 + row * (k as f32 + 1.4);
            if let Some([r, gg, b]) = g.rgb {
                painter.rect_filled(
                    Rect::from_min_size(pos2(panel.left() + 16.0, y + 4.0), vec2(18.0, size - 4.0)),
                    2.0,
                    Color32::from_rgb(r, gg, b),
                );
            }
            let name = if chinese { &g.name } else { &g.name_en };
            painter.text(
                pos2(panel.left() + 44.0, y),
                Align2::LEFT_TOP,
                format!("{} {}", g.key, name.as_deref().unwrap_or("")),
                FontId::proportional(size),
                TEXT,
            );
            painter.text(
                pos2(panel.right() - 16.0, y),
                Align2::RIGHT_TOP,
                format!("{:.2} 公顷  {:.1}%", g.area_ha_rounded, g.share_pct_rounded),
                FontId::proportional(size),
                TEXT,
            );
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
