//! Basemap tile sources behind one trait: the offline basemap drawn by the project,
//! online XYZ servers (OpenStreetMap, 天地图 Tianditu, any template) and tile files
//! (PMTiles, MBTiles). A source turns a tile address into RGBA pixels; the app runs
//! sources on worker threads, so a slow source never blocks a frame.
//!
//! This is the tiles room: `http.rs` (XYZ and 天地图 with the disk cache) and
//! `files.rs` (PMTiles, MBTiles) beside the offline source here; `render` draws the
//! offline tiles and `io` knows nothing of tiles.
//!
//! Tile addresses are XYZ (Web Mercator, y down from the north, zoom 0 = one tile).

pub mod files;
pub mod http;

use std::path::PathBuf;
use std::sync::Arc;

use crate::render::basemap::{Basemap, BasemapVariant, TILE_SIZE};

/// A decoded tile: RGBA pixels, row by row, with straight (not premultiplied) alpha.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileImage {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl TileImage {
    /// Decodes a PNG or JPEG tile. `what` names the tile in the error.
    pub fn decode(bytes: &[u8], what: &str) -> Result<TileImage, TileError> {
        let image = image::load_from_memory(bytes).map_err(|e| TileError::Decode {
            what: what.to_string(),
            reason: e.to_string(),
        })?;
        let rgba = image.to_rgba8();
        Ok(TileImage {
            width: rgba.width(),
            height: rgba.height(),
            rgba: rgba.into_raw(),
        })
    }

    /// Paints `top` over this image (source-over with straight alpha), for label
    /// layers such as Tianditu's annotation tiles. Sizes must match; a label tile of
    /// another size is scaled by nearest neighbour.
    pub fn composite_over(&mut self, top: &TileImage) {
        if top.width == 0 || top.height == 0 {
            return;
        }
        for y in 0..self.height {
            for x in 0..self.width {
                let tx =
                    (u64::from(x) * u64::from(top.width) / u64::from(self.width.max(1))) as usize;
                let ty =
                    (u64::from(y) * u64::from(top.height) / u64::from(self.height.max(1))) as usize;
                let t = (ty * top.width as usize + tx) * 4;
                let b = (y as usize * self.width as usize + x as usize) * 4;
                let (Some(&[sr, sg, sb, sa]), Some(&[dr, dg, db, da])) = (
                    top.rgba
                        .get(t..t + 4)
                        .and_then(|s| <&[u8; 4]>::try_from(s).ok()),
                    self.rgba
                        .get(b..b + 4)
                        .and_then(|s| <&[u8; 4]>::try_from(s).ok()),
                ) else {
                    continue;
                };
                let sa = f32::from(sa) / 255.0;
                let da = f32::from(da) / 255.0;
                let oa = sa + da * (1.0 - sa);
                let mix = |s: u8, d: u8| {
                    let v = if oa > 0.0 {
                        (f32::from(s) * sa + f32::from(d) * da * (1.0 - sa)) / oa
                    } else {
                        0.0
                    };
                    v.round().clamp(0.0, 255.0) as u8
                };
                let out = [
                    mix(sr, dr),
                    mix(sg, dg),
                    mix(sb, db),
                    (oa * 255.0).round() as u8,
                ];
                if let Some(d) = self.rgba.get_mut(b..b + 4) {
                    d.copy_from_slice(&out);
                }
            }
        }
    }
}

/// Why a tile could not be had. Every message names the tile or file.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TileError {
    #[error("{url}: {reason}")]
    Network { url: String, reason: String },
    #[error("{url}: the server answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{what}: not a PNG or JPEG tile: {reason}")]
    Decode { what: String, reason: String },
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    #[error("tile URL template '{template}': {reason}")]
    Template { template: String, reason: String },
    #[error("{0}")]
    Setup(String),
    /// The offline basemap was chosen, but the project has nothing to draw it
    /// from (a lone file, a database table).
    #[error("the project has no roads, water or boundary layer to draw an offline basemap from")]
    NoOfflineData,
}

/// A source of basemap tiles.
pub trait TileSource: Send + Sync {
    /// The tile at an address; `Ok(None)` when the source has no tile there (outside
    /// its data), which is not an error.
    fn tile(&self, zoom: u8, x: u32, y: u32) -> Result<Option<TileImage>, TileError>;

    /// The deepest zoom with tiles of its own; deeper views scale these up.
    fn max_zoom(&self) -> u8 {
        19
    }

    /// Attribution shown on the map, as the source's terms ask.
    fn attribution(&self) -> String;

    /// Whether tiles come over the network (the app says so when they fail).
    fn is_online(&self) -> bool {
        false
    }
}

/// The offline basemap as a tile source.
pub struct OfflineSource {
    pub basemap: Arc<Basemap>,
    pub variant: BasemapVariant,
}

impl TileSource for OfflineSource {
    fn tile(&self, zoom: u8, x: u32, y: u32) -> Result<Option<TileImage>, TileError> {
        let Some(pixmap) = self.basemap.render_tile(zoom, x, y, self.variant) else {
            return Ok(None);
        };
        // tiny-skia keeps premultiplied colour; the basemap is opaque, so demultiplying
        // changes nothing but keeps the contract of straight alpha.
        let rgba = pixmap
            .pixels()
            .iter()
            .flat_map(|p| {
                let c = p.demultiply();
                [c.red(), c.green(), c.blue(), c.alpha()]
            })
            .collect();
        Ok(Some(TileImage {
            width: TILE_SIZE,
            height: TILE_SIZE,
            rgba,
        }))
    }

    fn max_zoom(&self) -> u8 {
        22
    }

    fn attribution(&self) -> String {
        "离线底图:项目自有道路、水系与范围数据 / offline basemap from the project's own data".into()
    }
}

/// The basemaps a planner can choose from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub enum BasemapChoice {
    #[default]
    OfflineLight,
    OfflineDark,
    None,
    OpenStreetMap,
    TiandituVector,
    TiandituImagery,
    /// Any XYZ template with `{z}`, `{x}`, `{y}` (and optionally `{s}`, `{-y}`).
    Xyz(String),
    /// A PMTiles or MBTiles file of raster tiles.
    File(PathBuf),
}

impl BasemapChoice {
    pub fn is_online(&self) -> bool {
        matches!(
            self,
            BasemapChoice::OpenStreetMap
                | BasemapChoice::TiandituVector
                | BasemapChoice::TiandituImagery
                | BasemapChoice::Xyz(_)
        )
    }
}

/// What opening a source may need besides the choice itself.
#[derive(Clone, Default)]
pub struct SourceContext {
    /// The offline basemap built from the project's data.
    pub offline: Option<Arc<Basemap>>,
    /// Folder for the disk cache of online tiles.
    pub cache_dir: Option<PathBuf>,
    /// The user's Tianditu key (from settings or `TIANDITU_TOKEN`).
    pub tianditu_token: Option<String>,
}

/// Opens the source for a choice; `Ok(None)` for "no basemap".
pub fn open_source(
    choice: &BasemapChoice,
    ctx: &SourceContext,
) -> Result<Option<Arc<dyn TileSource>>, TileError> {
    use http::{HttpSource, tianditu_templates};
    let offline = |variant| -> Result<Option<Arc<dyn TileSource>>, TileError> {
        match &ctx.offline {
            Some(b) if !b.is_empty() => Ok(Some(Arc::new(OfflineSource {
                basemap: b.clone(),
                variant,
            }))),
            _ => Err(TileError::NoOfflineData),
        }
    };
    match choice {
        BasemapChoice::None => Ok(None),
        BasemapChoice::OfflineLight => offline(BasemapVariant::Light),
        BasemapChoice::OfflineDark => offline(BasemapVariant::Dark),
        BasemapChoice::OpenStreetMap => Ok(Some(Arc::new(HttpSource::new(
            "osm",
            &["https://tile.openstreetmap.org/{z}/{x}/{y}.png"],
            "© OpenStreetMap contributors",
            19,
            ctx.cache_dir.clone(),
        )?))),
        BasemapChoice::TiandituVector | BasemapChoice::TiandituImagery => {
            let token = ctx.tianditu_token.as_deref().filter(|t| !t.trim().is_empty()).ok_or_else(|| {
                TileError::Setup(
                    "天地图 needs a key: enter it in the basemap settings or set TIANDITU_TOKEN / Tianditu needs a key"
                        .into(),
                )
            })?;
            let imagery = *choice == BasemapChoice::TiandituImagery;
            let templates = tianditu_templates(imagery, token)?;
            let refs: Vec<&str> = templates.iter().map(String::as_str).collect();
            Ok(Some(Arc::new(HttpSource::new(
                if imagery {
                    "tianditu-img"
                } else {
                    "tianditu-vec"
                },
                &refs,
                "© 天地图 Tianditu",
                18,
                ctx.cache_dir.clone(),
            )?)))
        }
        BasemapChoice::Xyz(template) => Ok(Some(Arc::new(HttpSource::new(
            "xyz",
            &[template.as_str()],
            "XYZ tiles",
            20,
            ctx.cache_dir.clone(),
        )?))),
        BasemapChoice::File(path) => files::open_tile_file(path).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_composite_over_the_base() {
        let mut base = TileImage {
            width: 2,
            height: 1,
            rgba: vec![0, 0, 255, 255, 0, 0, 255, 255],
        };
        let top = TileImage {
            width: 2,
            height: 1,
            rgba: vec![255, 0, 0, 255, 255, 0, 0, 0],
        };
        base.composite_over(&top);
        assert_eq!(base.rgba, vec![255, 0, 0, 255, 0, 0, 255, 255]);
    }
}
