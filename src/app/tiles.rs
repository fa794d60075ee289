//! The offline basemap as walkers tiles: tiles are drawn by the core's tiny-skia
//! renderer on a worker thread and turned into textures when they arrive. While a
//! tile is being drawn, the nearest drawn ancestor stands in for it, scaled.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use egui::{ColorImage, Context, Rect, TextureHandle, TextureOptions, pos2};
use walkers::sources::Attribution;
use walkers::{Tile, TileId, TilePiece, Tiles};

use crate::render::{Basemap, BasemapVariant, TILE_SIZE};

type Request = (TileId, BasemapVariant);
type Rendered = (TileId, BasemapVariant, Option<ColorImage>);

pub struct OfflineTiles {
    ctx: Context,
    variant: BasemapVariant,
    textures: HashMap<(TileId, BasemapVariant), TextureHandle>,
    pending: HashSet<(TileId, BasemapVariant)>,
    requests: Sender<Request>,
    results: Receiver<Rendered>,
}

impl OfflineTiles {
    /// Starts the worker thread that draws tiles from `basemap`.
    pub fn new(ctx: Context, basemap: Arc<Basemap>, variant: BasemapVariant) -> OfflineTiles {
        let (requests, jobs) = channel::<Request>();
        let (done, results) = channel::<Rendered>();
        let worker_ctx = ctx.clone();
        // The worker ends when the tiles (and with them the sender) are dropped.
        let spawned = std::thread::Builder::new()
            .name("basemap-tiles".into())
            .spawn(move || {
                while let Ok((id, variant)) = jobs.recv() {
                    let image = basemap
                        .render_tile(id.zoom, id.x, id.y, variant)
                        .map(|pixmap| {
                            ColorImage::from_rgba_premultiplied(
                                [TILE_SIZE as usize; 2],
                                pixmap.data(),
                            )
                        });
                    if done.send((id, variant, image)).is_err() {
                        break;
                    }
                    worker_ctx.request_repaint();
                }
            });
        if let Err(e) = spawned {
            eprintln!("parcelview: warning: the basemap worker could not start: {e}");
        }
        OfflineTiles {
            ctx,
            variant,
            textures: HashMap::new(),
            pending: HashSet::new(),
            requests,
            results,
        }
    }

    pub fn set_variant(&mut self, variant: BasemapVariant) {
        self.variant = variant;
    }

    /// Tiles still being drawn.
    pub fn loading(&self) -> usize {
        self.pending.len()
    }

    fn receive(&mut self) {
        while let Ok((id, variant, image)) = self.results.try_recv() {
            self.pending.remove(&(id, variant));
            if let Some(image) = image {
                let name = format!("basemap-{variant:?}-{}-{}-{}", id.zoom, id.x, id.y);
                let texture = self.ctx.load_texture(name, image, TextureOptions::LINEAR);
                self.textures.insert((id, variant), texture);
            }
        }
        // Keep memory bounded: a few hundred tiles cover any screen many times over.
        if self.textures.len() > 600 {
            let keep: Vec<(TileId, BasemapVariant)> =
                self.textures.keys().copied().take(300).collect();
            self.textures.retain(|k, _| keep.contains(k));
        }
    }
}

impl Tiles for OfflineTiles {
    fn at(&mut self, id: TileId) -> Option<TilePiece> {
        self.receive();
        let key = (id, self.variant);
        if let Some(t) = self.textures.get(&key) {
            return Some(TilePiece::new(
                Tile::Raster(t.clone()),
                Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
            ));
        }
        if !self.pending.contains(&key) && self.requests.send(key).is_ok() {
            self.pending.insert(key);
        }
        // Meanwhile, a scaled piece of the nearest ancestor that is ready.
        for up in 1..=id.zoom.min(6) {
            let parent = TileId {
                x: id.x >> up,
                y: id.y >> up,
                zoom: id.zoom - up,
            };
            if let Some(t) = self.textures.get(&(parent, self.variant)) {
                let n = (1u32 << up) as f32;
                let (fx, fy) = (
                    (id.x - (parent.x << up)) as f32,
                    (id.y - (parent.y << up)) as f32,
                );
                let uv =
                    Rect::from_min_max(pos2(fx / n, fy / n), pos2((fx + 1.0) / n, (fy + 1.0) / n));
                return Some(TilePiece::new(Tile::Raster(t.clone()), uv));
            }
        }
        None
    }

    fn attribution(&self) -> Attribution {
        Attribution {
            text: "离线底图:项目自有道路、水系与范围数据",
            url: "",
            logo_light: None,
            logo_dark: None,
        }
    }

    fn tile_size(&self) -> u32 {
        TILE_SIZE
    }
}
