//! Basemap tiles for walkers from any core [`TileSource`]: tiles are produced on
//! worker threads (drawn by the offline renderer, read from a file or fetched over
//! the network) and become textures when they arrive. While a tile is on its way,
//! the nearest ready ancestor stands in for it, scaled, so panning never shows holes
//! for long and a frame never waits.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use egui::{ColorImage, Context, Rect, TextureHandle, TextureOptions, pos2};
use walkers::sources::Attribution;
use walkers::{Tile, TileId, TilePiece, Tiles};

use crate::tiles::{TileError, TileImage, TileSource};

type Rendered = (TileId, Result<Option<TileImage>, TileError>);

/// Requests waiting for a worker, newest first: what the view shows now matters more
/// than where it was a second ago.
#[derive(Default)]
struct Queue {
    jobs: Vec<TileId>,
    closed: bool,
}

/// How long a failed tile waits before it is asked for again.
const RETRY_AFTER: Duration = Duration::from_secs(30);
/// The most requests kept waiting; older ones are dropped (they are asked again if
/// they come back into view).
const MAX_QUEUED: usize = 256;

pub struct TileLayer {
    ctx: Context,
    source: Arc<dyn TileSource>,
    attribution: &'static str,
    textures: HashMap<TileId, (TextureHandle, u64)>,
    /// Tiles the source has nothing for.
    empty: HashSet<TileId>,
    failed: HashMap<TileId, Instant>,
    pending: HashSet<TileId>,
    queue: Arc<(Mutex<Queue>, Condvar)>,
    results: Receiver<Rendered>,
    frame: u64,
    /// Tiles that could not be had since the source was opened, and the last reason.
    pub failures: usize,
    pub last_error: Option<TileError>,
    /// Whether the last answer from the source was a failure: the basemap is offline
    /// until a tile arrives again.
    pub failing: bool,
    /// Tiles that arrived.
    pub loaded: usize,
}

impl TileLayer {
    /// Starts `workers` threads over `source`. They end when the layer is dropped.
    pub fn new(ctx: Context, source: Arc<dyn TileSource>, workers: usize) -> TileLayer {
        let queue: Arc<(Mutex<Queue>, Condvar)> = Arc::default();
        let (done, results) = channel::<Rendered>();
        for n in 0..workers.max(1) {
            let (queue, done, source, ctx) =
                (queue.clone(), done.clone(), source.clone(), ctx.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("basemap-tiles-{n}"))
                .spawn(move || {
                    loop {
                        let id = {
                            let (lock, ready) = &*queue;
                            let Ok(mut q) = lock.lock() else { return };
                            loop {
                                if q.closed {
                                    return;
                                }
                                if let Some(id) = q.jobs.pop() {
                                    break id;
                                }
                                q = match ready.wait(q) {
                                    Ok(q) => q,
                                    Err(_) => return,
                                };
                            }
                        };
                        let result = source.tile(id.zoom, id.x, id.y);
                        if done.send((id, result)).is_err() {
                            return;
                        }
                        ctx.request_repaint();
                    }
                });
            if let Err(e) = spawned {
                eprintln!("parcelview: warning: a basemap worker could not start: {e}");
            }
        }
        // walkers wants a 'static text; the attribution lives as long as the source,
        // and a handful of sources are opened in a session.
        let attribution: &'static str = Box::leak(source.attribution().into_boxed_str());
        TileLayer {
            ctx,
            source,
            attribution,
            textures: HashMap::new(),
            empty: HashSet::new(),
            failed: HashMap::new(),
            pending: HashSet::new(),
            queue,
            results,
            frame: 0,
            failures: 0,
            last_error: None,
            failing: false,
            loaded: 0,
        }
    }

    pub fn is_online(&self) -> bool {
        self.source.is_online()
    }

    /// Whether an online basemap cannot be reached now: its last tile failed.
    pub fn offline(&self) -> bool {
        self.is_online() && self.failing
    }

    /// Tiles asked for and not yet arrived.
    pub fn loading(&self) -> usize {
        self.pending.len()
    }

    /// Takes in the tiles the workers finished.
    pub fn receive(&mut self) {
        self.frame += 1;
        while let Ok((id, result)) = self.results.try_recv() {
            self.pending.remove(&id);
            match result {
                Ok(Some(image)) => {
                    let size = [image.width as usize, image.height as usize];
                    if image.rgba.len() != size[0] * size[1] * 4 {
                        continue;
                    }
                    let color = ColorImage::from_rgba_unmultiplied(size, &image.rgba);
                    let name = format!("basemap-{}-{}-{}", id.zoom, id.x, id.y);
                    let texture = self.ctx.load_texture(name, color, TextureOptions::LINEAR);
                    self.textures.insert(id, (texture, self.frame));
                    self.failed.remove(&id);
                    self.loaded += 1;
                    self.failing = false;
                }
                Ok(None) => {
                    self.empty.insert(id);
                    self.failing = false;
                }
                Err(e) => {
                    self.failures += 1;
                    self.failing = true;
                    self.last_error = Some(e);
                    self.failed.insert(id, Instant::now());
                }
            }
        }
        // Keep memory bounded: drop the tiles used longest ago.
        if self.textures.len() > 600 {
            let mut by_age: Vec<(u64, TileId)> =
                self.textures.iter().map(|(id, (_, f))| (*f, *id)).collect();
            by_age.sort_unstable_by_key(|(f, id)| (*f, id.zoom, id.x, id.y));
            for (_, id) in by_age.iter().take(self.textures.len() - 400) {
                self.textures.remove(id);
            }
        }
    }

    fn request(&mut self, id: TileId) {
        if self.pending.contains(&id) || self.empty.contains(&id) {
            return;
        }
        if let Some(t) = self.failed.get(&id)
            && t.elapsed() < RETRY_AFTER
        {
            return;
        }
        let (lock, ready) = &*self.queue;
        let Ok(mut q) = lock.lock() else { return };
        q.jobs.push(id);
        self.pending.insert(id);
        if q.jobs.len() > MAX_QUEUED {
            let excess = q.jobs.len() - MAX_QUEUED;
            let dropped: Vec<TileId> = q.jobs.drain(..excess).collect();
            for d in dropped {
                self.pending.remove(&d);
            }
        }
        ready.notify_one();
    }

    /// The tile's texture if it has arrived; otherwise asks for it (unless `ask` is
    /// false) and returns `None`.
    pub fn texture(&mut self, id: TileId, ask: bool) -> Option<TextureHandle> {
        let frame = self.frame;
        if let Some((texture, used)) = self.textures.get_mut(&id) {
            *used = frame;
            return Some(texture.clone());
        }
        if ask {
            self.request(id);
        }
        None
    }

    /// The nearest arrived ancestor of a tile (up to 8 levels up) and the part of it
    /// that covers the tile, in texture coordinates.
    pub fn ancestor(&mut self, id: TileId) -> Option<(TextureHandle, Rect)> {
        let frame = self.frame;
        for up in 1..=id.zoom.min(8) {
            let parent = TileId {
                x: id.x >> up,
                y: id.y >> up,
                zoom: id.zoom - up,
            };
            if let Some((t, used)) = self.textures.get_mut(&parent) {
                *used = frame;
                let n = (1u32 << up) as f32;
                let (fx, fy) = (
                    (id.x - (parent.x << up)) as f32,
                    (id.y - (parent.y << up)) as f32,
                );
                let uv =
                    Rect::from_min_max(pos2(fx / n, fy / n), pos2((fx + 1.0) / n, (fy + 1.0) / n));
                return Some((t.clone(), uv));
            }
        }
        None
    }

    /// Whether the source has nothing at this tile.
    pub fn is_empty_tile(&self, id: TileId) -> bool {
        self.empty.contains(&id)
    }

    fn piece(&mut self, id: TileId) -> Option<TilePiece> {
        let frame = self.frame;
        let (texture, used) = self.textures.get_mut(&id)?;
        *used = frame;
        Some(TilePiece::new(
            Tile::Raster(texture.clone()),
            Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
        ))
    }
}

impl Drop for TileLayer {
    fn drop(&mut self) {
        let (lock, ready) = &*self.queue;
        if let Ok(mut q) = lock.lock() {
            q.closed = true;
            q.jobs.clear();
        }
        ready.notify_all();
    }
}

impl Tiles for TileLayer {
    fn at(&mut self, id: TileId) -> Option<TilePiece> {
        let max_zoom = self.source.max_zoom();
        if id.zoom <= max_zoom {
            if let Some(p) = self.piece(id) {
                return Some(p);
            }
            self.request(id);
        } else {
            // Beyond the source's deepest zoom, its deepest tiles are scaled up.
            let up = id.zoom - max_zoom;
            let wanted = TileId {
                x: id.x >> up,
                y: id.y >> up,
                zoom: max_zoom,
            };
            if !self.textures.contains_key(&wanted) {
                self.request(wanted);
            }
        }
        // Meanwhile (or beyond max zoom), a scaled piece of the nearest ready ancestor.
        self.ancestor(id)
            .map(|(t, uv)| TilePiece::new(Tile::Raster(t), uv))
    }

    fn attribution(&self) -> Attribution {
        Attribution {
            text: self.attribution,
            url: "",
            logo_light: None,
            logo_dark: None,
        }
    }

    fn tile_size(&self) -> u32 {
        256
    }
}
