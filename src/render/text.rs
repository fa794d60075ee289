//! Text on raster maps: glyphs of the bundled CJK font (Noto Sans SC, GB 2312
//! subset, OFL, which also has Latin letters and digits) rasterised with ab_glyph
//! and blended into a tiny-skia pixmap. tiny-skia draws shapes but not text.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use tiny_skia::{Pixmap, PremultipliedColorU8};

/// The bundled CJK font.
pub const CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-GB2312.otf");

/// The bundled font, parsed once.
pub fn font() -> Option<FontRef<'static>> {
    FontRef::try_from_slice(CJK_FONT).ok()
}

/// The width of a line of text in pixels at `size_px`.
pub fn text_width(font: &FontRef, text: &str, size_px: f32) -> f32 {
    let f = font.as_scaled(PxScale::from(size_px));
    text.chars().map(|c| f.h_advance(f.glyph_id(c))).sum()
}

/// Draws one line of text with its top-left corner at (x, y), in an opaque colour.
pub fn draw_text(
    pixmap: &mut Pixmap,
    font: &FontRef,
    text: &str,
    x: f32,
    y: f32,
    size_px: f32,
    rgb: [u8; 3],
) {
    let scaled = font.as_scaled(PxScale::from(size_px));
    let baseline = y + scaled.ascent();
    let mut pen = x;
    let (w, h) = (pixmap.width() as i32, pixmap.height() as i32);
    let width = pixmap.width() as usize;
    let pixels = pixmap.pixels_mut();
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        let glyph =
            id.with_scale_and_position(PxScale::from(size_px), ab_glyph::point(pen, baseline));
        pen += scaled.h_advance(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let b = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let (px, py) = (b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32);
            if px < 0 || py < 0 || px >= w || py >= h {
                return;
            }
            let Some(dst) = pixels.get_mut(py as usize * width + px as usize) else {
                return;
            };
            let a = coverage.clamp(0.0, 1.0);
            // Source-over with a premultiplied destination.
            let blend = |s: u8, d: u8| (f32::from(s) * a + f32::from(d) * (1.0 - a)).round() as u8;
            let out_a = blend(255, dst.alpha());
            let r = blend(rgb[0], dst.red()).min(out_a);
            let g = blend(rgb[1], dst.green()).min(out_a);
            let bl = blend(rgb[2], dst.blue()).min(out_a);
            if let Some(p) = PremultipliedColorU8::from_rgba(r, g, bl, out_a) {
                *dst = p;
            }
        });
    }
}
