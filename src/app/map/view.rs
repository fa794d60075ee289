//! The map's transform: world (Web Mercator, 0..1) and lon/lat to screen points
//! and back, for one frame.

use egui::{Pos2, Rect, pos2};
use walkers::Projector;

use crate::render::{lon_lat_from_world, world_from_lon_lat};

/// World → screen for the current frame, in f64 until the last step so deep zooms
/// stay exact.
#[derive(Debug, Clone, Copy)]
pub struct View {
    centre_screen: Pos2,
    centre_world: [f64; 2],
    scale: f64,
    world_min: [f64; 2],
    world_max: [f64; 2],
}

impl View {
    pub(crate) fn new(projector: &Projector) -> View {
        let clip = projector.clip_rect();
        let centre = projector.unproject(clip.center().to_vec2());
        View::at(
            geo::coord! { x: centre.x(), y: centre.y() },
            projector.zoom(),
            clip,
        )
    }

    /// The view of a map area `clip` centred on `centre` at a walkers zoom level, as
    /// the map would show it (used by benchmarks and tests without a window).
    pub fn at(centre: geo::Coord<f64>, zoom: f64, clip: Rect) -> View {
        let scale = 256.0 * 2f64.powf(zoom);
        let cw = world_from_lon_lat(centre);
        let half = [
            f64::from(clip.width()) / 2.0 / scale,
            f64::from(clip.height()) / 2.0 / scale,
        ];
        View {
            centre_screen: clip.center(),
            centre_world: [cw.x, cw.y],
            scale,
            world_min: [cw.x - half[0], cw.y - half[1]],
            world_max: [cw.x + half[0], cw.y + half[1]],
        }
    }

    /// The lon/lat box the view shows.
    pub fn lon_lat_rect(&self) -> geo::Rect<f64> {
        let a = lon_lat_from_world(geo::coord! { x: self.world_min[0], y: self.world_max[1] });
        let b = lon_lat_from_world(geo::coord! { x: self.world_max[0], y: self.world_min[1] });
        geo::Rect::new(a, b)
    }

    /// The lon/lat position under a screen position.
    pub fn lon_lat(&self, p: Pos2) -> geo::Coord<f64> {
        let w = self.world(p);
        lon_lat_from_world(geo::coord! { x: w[0], y: w[1] })
    }

    /// The lon/lat position `offset` points from the centre of the map.
    pub fn lon_lat_from_centre(&self, offset: egui::Vec2) -> geo::Coord<f64> {
        self.lon_lat(self.centre_screen + offset)
    }

    /// Where a lon/lat position is on the screen.
    pub fn pos_on_screen(&self, lon_lat: geo::Coord<f64>) -> Pos2 {
        let w = world_from_lon_lat(lon_lat);
        self.screen([w.x, w.y])
    }

    pub(crate) fn screen(&self, w: [f64; 2]) -> Pos2 {
        pos2(
            self.centre_screen.x + ((w[0] - self.centre_world[0]) * self.scale) as f32,
            self.centre_screen.y + ((w[1] - self.centre_world[1]) * self.scale) as f32,
        )
    }

    /// The world position under a screen position.
    pub fn world_at(&self, p: Pos2) -> [f64; 2] {
        self.world(p)
    }

    /// The screen position of a world position.
    pub fn screen_of_world(&self, w: [f64; 2]) -> Pos2 {
        self.screen(w)
    }

    /// The lon/lat position at the centre of the view.
    pub fn centre_lon_lat(&self) -> geo::Coord<f64> {
        lon_lat_from_world(geo::coord! { x: self.centre_world[0], y: self.centre_world[1] })
    }

    /// Screen points per world unit (the world is 0..1 across).
    pub fn points_per_world(&self) -> f64 {
        self.scale
    }

    /// The walkers zoom level of the view.
    pub fn zoom(&self) -> f64 {
        (self.scale / 256.0).log2()
    }

    pub(crate) fn world(&self, p: Pos2) -> [f64; 2] {
        [
            self.centre_world[0] + f64::from(p.x - self.centre_screen.x) / self.scale,
            self.centre_world[1] + f64::from(p.y - self.centre_screen.y) / self.scale,
        ]
    }

    pub(crate) fn visible(&self, b: &[f64; 4]) -> bool {
        !(b[2] < self.world_min[0]
            || b[0] > self.world_max[0]
            || b[3] < self.world_min[1]
            || b[1] > self.world_max[1])
    }

    /// The screen area the view shows.
    pub fn screen_rect(&self) -> Rect {
        Rect::from_two_pos(self.screen(self.world_min), self.screen(self.world_max))
    }

    /// Size of a feature's box on screen, in points.
    pub(crate) fn size(&self, b: &[f64; 4]) -> f32 {
        (((b[2] - b[0]).max(b[3] - b[1])) * self.scale) as f32
    }
}
