//! Raster tile files: PMTiles (version 3) and MBTiles (SQLite).
//!
//! PMTiles is read directly from the file (header, directories, tile data by
//! offset): the format is small and a reader of our own avoids an async runtime.
//! Only raster tiles (PNG, JPEG) are drawn; a vector-tile file is refused with a
//! clear reason.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{TileError, TileImage, TileSource};

/// Opens a `.pmtiles` or `.mbtiles` file, chosen by its first bytes.
pub fn open_tile_file(path: &Path) -> Result<Arc<dyn TileSource>, TileError> {
    let fail = |reason: String| TileError::File {
        path: path.display().to_string(),
        reason,
    };
    let mut magic = [0u8; 16];
    let mut f = File::open(path).map_err(|e| fail(e.to_string()))?;
    let n = f.read(&mut magic).map_err(|e| fail(e.to_string()))?;
    if n >= 7 && &magic[..7] == b"PMTiles" {
        Ok(Arc::new(PmTiles::open(path)?))
    } else if n >= 16 && &magic[..16] == b"SQLite format 3\0" {
        Ok(Arc::new(MbTiles::open(path)?))
    } else {
        Err(fail("neither a PMTiles nor an MBTiles file".into()))
    }
}

/// The tile id of PMTiles: tiles of lower zooms first, then along a Hilbert curve.
pub fn pmtiles_tile_id(zoom: u8, x: u32, y: u32) -> u64 {
    let z = u32::from(zoom.min(31));
    let base = ((1u128 << (2 * z)) - 1) / 3;
    let n = 1u64 << z;
    let (mut tx, mut ty) = (u64::from(x), u64::from(y));
    let mut d: u64 = 0;
    let mut s = n / 2;
    while s > 0 {
        let rx = u64::from(tx & s > 0);
        let ry = u64::from(ty & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                tx = s - 1 - (tx & (s - 1));
                ty = s - 1 - (ty & (s - 1));
            }
            std::mem::swap(&mut tx, &mut ty);
        }
        s /= 2;
    }
    base as u64 + d
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    tile_id: u64,
    offset: u64,
    length: u64,
    run_length: u64,
}

struct Header {
    root_offset: u64,
    root_length: u64,
    leaf_offset: u64,
    tile_data_offset: u64,
    internal_compression: u8,
    tile_compression: u8,
    max_zoom: u8,
}

pub struct PmTiles {
    path: PathBuf,
    file: Mutex<File>,
    header: Header,
    root: Vec<Entry>,
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

fn read_varint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Limits that keep a hostile file from asking for absurd allocations.
const MAX_DIRECTORY_BYTES: u64 = 64 * 1024 * 1024;
const MAX_TILE_BYTES: u64 = 16 * 1024 * 1024;

impl PmTiles {
    pub fn open(path: &Path) -> Result<PmTiles, TileError> {
        let fail = |reason: String| TileError::File {
            path: path.display().to_string(),
            reason,
        };
        let mut file = File::open(path).map_err(|e| fail(e.to_string()))?;
        let mut h = [0u8; 127];
        file.read_exact(&mut h)
            .map_err(|_| fail("shorter than a PMTiles header (127 bytes)".into()))?;
        if &h[..7] != b"PMTiles" || h[7] != 3 {
            return Err(fail(format!(
                "not a version 3 PMTiles file (version byte {})",
                h[7]
            )));
        }
        let header = Header {
            root_offset: u64_at(&h, 8),
            root_length: u64_at(&h, 16),
            leaf_offset: u64_at(&h, 40),
            tile_data_offset: u64_at(&h, 56),
            internal_compression: h[97],
            tile_compression: h[98],
            max_zoom: h[101],
        };
        match h[99] {
            2 | 3 => {}
            1 => {
                return Err(fail(
                    "holds vector tiles (MVT); only raster PNG or JPEG tiles can be a basemap"
                        .into(),
                ));
            }
            t => return Err(fail(format!("tile type {t} is not PNG (2) or JPEG (3)"))),
        }
        let mut reader = PmTiles {
            path: path.to_path_buf(),
            file: Mutex::new(file),
            header,
            root: Vec::new(),
        };
        reader.root = reader.directory(reader.header.root_offset, reader.header.root_length)?;
        Ok(reader)
    }

    fn fail(&self, reason: String) -> TileError {
        TileError::File {
            path: self.path.display().to_string(),
            reason,
        }
    }

    fn read_at(&self, offset: u64, length: u64, limit: u64) -> Result<Vec<u8>, TileError> {
        if length > limit {
            return Err(self.fail(format!(
                "a block of {length} bytes at {offset} is larger than allowed"
            )));
        }
        let mut file = self
            .file
            .lock()
            .map_err(|_| self.fail("file lock poisoned".into()))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| self.fail(e.to_string()))?;
        let mut buf = vec![0u8; length as usize];
        file.read_exact(&mut buf)
            .map_err(|e| self.fail(format!("cannot read {length} bytes at {offset}: {e}")))?;
        Ok(buf)
    }

    fn decompress(
        &self,
        bytes: Vec<u8>,
        compression: u8,
        limit: u64,
    ) -> Result<Vec<u8>, TileError> {
        match compression {
            0 | 1 => Ok(bytes),
            2 => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(bytes.as_slice())
                    .take(limit + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| self.fail(format!("gzip: {e}")))?;
                if out.len() as u64 > limit {
                    return Err(
                        self.fail("a compressed block expands beyond the allowed size".into())
                    );
                }
                Ok(out)
            }
            c => Err(self.fail(format!(
                "compression {c} (brotli or zstd) is not supported; use gzip or none"
            ))),
        }
    }

    fn directory(&self, offset: u64, length: u64) -> Result<Vec<Entry>, TileError> {
        let raw = self.read_at(offset, length, MAX_DIRECTORY_BYTES)?;
        let b = self.decompress(raw, self.header.internal_compression, MAX_DIRECTORY_BYTES)?;
        let bad = || self.fail(format!("broken directory at byte {offset}"));
        let mut pos = 0;
        let n = read_varint(&b, &mut pos).ok_or_else(bad)?;
        // Every entry takes at least 4 bytes, which bounds n by the directory's size.
        if n > b.len() as u64 {
            return Err(bad());
        }
        let n = n as usize;
        let mut entries = vec![
            Entry {
                tile_id: 0,
                offset: 0,
                length: 0,
                run_length: 0
            };
            n
        ];
        let mut last = 0u64;
        for e in entries.iter_mut() {
            last = last
                .checked_add(read_varint(&b, &mut pos).ok_or_else(bad)?)
                .ok_or_else(bad)?;
            e.tile_id = last;
        }
        for e in entries.iter_mut() {
            e.run_length = read_varint(&b, &mut pos).ok_or_else(bad)?;
        }
        for e in entries.iter_mut() {
            e.length = read_varint(&b, &mut pos).ok_or_else(bad)?;
        }
        for i in 0..n {
            let v = read_varint(&b, &mut pos).ok_or_else(bad)?;
            let offset = if v == 0 && i > 0 {
                entries
                    .get(i - 1)
                    .map(|p| p.offset + p.length)
                    .ok_or_else(bad)?
            } else {
                v.saturating_sub(1)
            };
            if let Some(e) = entries.get_mut(i) {
                e.offset = offset;
            }
        }
        Ok(entries)
    }

    /// The data offset and length of a tile, following leaf directories.
    fn locate(&self, tile_id: u64) -> Result<Option<(u64, u64)>, TileError> {
        let mut dir = self.root.clone();
        // The format nests at most a few levels; the bound stops a looping file.
        for _ in 0..4 {
            let k = dir.partition_point(|e| e.tile_id <= tile_id);
            let Some(e) = k.checked_sub(1).and_then(|k| dir.get(k)).copied() else {
                return Ok(None);
            };
            if e.run_length == 0 {
                dir = self.directory(self.header.leaf_offset + e.offset, e.length)?;
                continue;
            }
            if tile_id < e.tile_id + e.run_length {
                return Ok(Some((self.header.tile_data_offset + e.offset, e.length)));
            }
            return Ok(None);
        }
        Err(self.fail("leaf directories nest too deep".into()))
    }
}

impl TileSource for PmTiles {
    fn tile(&self, zoom: u8, x: u32, y: u32) -> Result<Option<TileImage>, TileError> {
        if zoom > self.header.max_zoom {
            return Ok(None);
        }
        let Some((offset, length)) = self.locate(pmtiles_tile_id(zoom, x, y))? else {
            return Ok(None);
        };
        let raw = self.read_at(offset, length, MAX_TILE_BYTES)?;
        let bytes = self.decompress(raw, self.header.tile_compression, MAX_TILE_BYTES)?;
        let what = format!("{} tile {zoom}/{x}/{y}", self.path.display());
        TileImage::decode(&bytes, &what).map(Some)
    }

    fn max_zoom(&self) -> u8 {
        self.header.max_zoom
    }

    fn attribution(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    }
}

/// MBTiles: an SQLite file with a `tiles` table in TMS rows (y up from the south).
pub struct MbTiles {
    path: PathBuf,
    db: Mutex<rusqlite::Connection>,
    max_zoom: u8,
}

impl MbTiles {
    pub fn open(path: &Path) -> Result<MbTiles, TileError> {
        let fail = |reason: String| TileError::File {
            path: path.display().to_string(),
            reason,
        };
        // Read-only: a basemap file is input and is never written.
        let db = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| fail(e.to_string()))?;
        let format: Option<String> = db
            .query_row(
                "SELECT value FROM metadata WHERE name = 'format'",
                [],
                |r| r.get(0),
            )
            .ok();
        if let Some(f) = &format
            && !matches!(f.as_str(), "png" | "jpg" | "jpeg")
        {
            return Err(fail(format!(
                "holds '{f}' tiles; only raster PNG or JPEG tiles can be a basemap"
            )));
        }
        let max_zoom: i64 = db
            .query_row("SELECT MAX(zoom_level) FROM tiles", [], |r| {
                r.get::<_, Option<i64>>(0)
            })
            .map_err(|e| fail(format!("no readable tiles table: {e}")))?
            .unwrap_or(0);
        Ok(MbTiles {
            path: path.to_path_buf(),
            db: Mutex::new(db),
            max_zoom: max_zoom.clamp(0, 30) as u8,
        })
    }
}

impl TileSource for MbTiles {
    fn tile(&self, zoom: u8, x: u32, y: u32) -> Result<Option<TileImage>, TileError> {
        let fail = |reason: String| TileError::File {
            path: self.path.display().to_string(),
            reason,
        };
        let tms_y = (1u64 << zoom.min(31))
            .saturating_sub(1)
            .saturating_sub(u64::from(y));
        let db = self
            .db
            .lock()
            .map_err(|_| fail("database lock poisoned".into()))?;
        let row: Result<Vec<u8>, _> = db.query_row(
            "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
            rusqlite::params![i64::from(zoom), i64::from(x), tms_y as i64],
            |r| r.get(0),
        );
        match row {
            Ok(bytes) => {
                let what = format!("{} tile {zoom}/{x}/{y}", self.path.display());
                TileImage::decode(&bytes, &what).map(Some)
            }
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(fail(e.to_string())),
        }
    }

    fn max_zoom(&self) -> u8 {
        self.max_zoom
    }

    fn attribution(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tile ids from the PMTiles specification's examples.
    #[test]
    fn tile_ids_follow_the_hilbert_curve() {
        assert_eq!(pmtiles_tile_id(0, 0, 0), 0);
        assert_eq!(pmtiles_tile_id(1, 0, 0), 1);
        assert_eq!(pmtiles_tile_id(1, 0, 1), 2);
        assert_eq!(pmtiles_tile_id(1, 1, 1), 3);
        assert_eq!(pmtiles_tile_id(1, 1, 0), 4);
        assert_eq!(pmtiles_tile_id(2, 0, 0), 5);
        assert_eq!(pmtiles_tile_id(12, 3423, 1763), 19078479);
    }
}
