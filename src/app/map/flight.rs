//! Moving the map between views: the smooth flight between slides and the part of
//! a briefing's map that slides are fitted into.

use egui::{Rect, pos2};

/// A flight from one view to another: the centre moves in Web Mercator world
/// coordinates while the zoom eases, dipping out in between when the two views are
/// far apart, so the audience sees where the next slide is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flight {
    pub from: ([f64; 2], f64),
    pub to: ([f64; 2], f64),
    /// How many zoom levels the flight climbs out at its middle.
    pub dip: f64,
    /// Start time (egui's input time, seconds) and duration.
    pub start: f64,
    pub duration: f64,
}

impl Flight {
    /// A flight between two (world centre, zoom) views over a map `width_pt` wide.
    pub fn new(from: ([f64; 2], f64), to: ([f64; 2], f64), width_pt: f64, start: f64) -> Flight {
        let d = ((to.0[0] - from.0[0]).powi(2) + (to.0[1] - from.0[1]).powi(2)).sqrt();
        // The zoom at which both centres fit in the view's width.
        let both = if d > 0.0 {
            (width_pt / (d * 256.0 * 1.5)).log2()
        } else {
            f64::INFINITY
        };
        let dip = (from.1.min(to.1) - both).clamp(0.0, 4.0);
        Flight {
            from,
            to,
            dip,
            start,
            duration: 1.2 + 0.15 * dip,
        }
    }

    /// The view at time `now`, and whether the flight is over.
    pub fn at(&self, now: f64) -> (([f64; 2], f64), bool) {
        let t = ((now - self.start) / self.duration).clamp(0.0, 1.0);
        let e = t * t * (3.0 - 2.0 * t);
        let lerp = |a: f64, b: f64| a + (b - a) * e;
        let centre = [
            lerp(self.from.0[0], self.to.0[0]),
            lerp(self.from.0[1], self.to.0[1]),
        ];
        let zoom = lerp(self.from.1, self.to.1) - self.dip * (std::f64::consts::PI * t).sin();
        ((centre, zoom), t >= 1.0)
    }
}

/// The part of a briefing's map that the title bar, the caption and the legend
/// leave clear: slides are fitted into it and the scale bar and north arrow sit in
/// its corners.
pub fn map_area(map: Rect) -> Rect {
    Rect::from_min_max(
        pos2(map.left(), map.top() + 96.0),
        pos2(map.right() - 320.0, map.bottom() - 150.0),
    )
}
