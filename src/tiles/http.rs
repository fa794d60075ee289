//! Online XYZ tiles with a disk cache.
//!
//! A template is checked once: it must be `http://` or `https://`, and placeholders
//! may only stand after the host, so a tile address can never change which server is
//! asked. Tiles are cached on disk by source and address (not by URL, so a changed
//! key keeps the cache); a cached tile younger than [`FRESH_FOR`] is used without
//! asking, an older one is refreshed and, if the network fails, used anyway, so a
//! map seen once keeps working offline.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{TileError, TileImage, TileSource};
use crate::io::write::atomic_write;

/// How long a cached tile is used without asking the server again (OpenStreetMap's
/// tile policy asks clients to keep tiles at least 7 days).
pub const FRESH_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// The largest tile body accepted; real tiles are a few tens of kilobytes.
const MAX_TILE_BYTES: u64 = 8 * 1024 * 1024;

/// A checked URL template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlTemplate {
    text: String,
    /// Subdomains `{s}` cycles through.
    subdomains: Vec<String>,
}

impl UrlTemplate {
    /// Checks a template: http(s), a literal host, `{z}`, `{x}` and `{y}` (or `{-y}`
    /// for TMS rows) after the host, and no other placeholders than `{s}`.
    pub fn parse(text: &str) -> Result<UrlTemplate, TileError> {
        let fail = |reason: &str| TileError::Template {
            template: text.to_string(),
            reason: reason.to_string(),
        };
        let text = text.trim();
        let rest = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .ok_or_else(|| fail("must start with http:// or https://"))?;
        let host_end = rest
            .find('/')
            .ok_or_else(|| fail("has no path after the host"))?;
        let host = &rest[..host_end];
        if host.is_empty() {
            return Err(fail("has no host"));
        }
        // `{s}` may pick a subdomain; anything else in the host is refused, as are
        // user names, which could point the request elsewhere.
        let host_checked = host.replace("{s}", "a");
        if host_checked.contains(['{', '}', '@', '\\', ' ']) {
            return Err(fail("the host may contain only {s} as a placeholder"));
        }
        let path = &rest[host_end..];
        for needed in ["{z}", "{x}"] {
            if !path.contains(needed) {
                return Err(fail(&format!("lacks {needed}")));
            }
        }
        if !path.contains("{y}") && !path.contains("{-y}") {
            return Err(fail("lacks {y} (or {-y})"));
        }
        let mut probe = path.to_string();
        for known in ["{z}", "{x}", "{y}", "{-y}", "{s}"] {
            probe = probe.replace(known, "");
        }
        if probe.contains(['{', '}']) {
            return Err(fail(
                "has an unknown placeholder (known: {z} {x} {y} {-y} {s})",
            ));
        }
        if text.chars().any(|c| c.is_control() || c == ' ') {
            return Err(fail("contains spaces or control characters"));
        }
        let subdomains = if host.starts_with("t{s}.tianditu") {
            (0..8).map(|i| i.to_string()).collect()
        } else {
            ["a", "b", "c"].iter().map(|s| s.to_string()).collect()
        };
        Ok(UrlTemplate {
            text: text.to_string(),
            subdomains,
        })
    }

    /// The URL of one tile. Only numbers and a fixed subdomain are substituted.
    pub fn url(&self, zoom: u8, x: u32, y: u32) -> String {
        let rows = 1u64 << zoom.min(31);
        let tms_y = rows.saturating_sub(1).saturating_sub(u64::from(y));
        let s = self
            .subdomains
            .get(((u64::from(x) + u64::from(y)) % self.subdomains.len().max(1) as u64) as usize)
            .map(String::as_str)
            .unwrap_or("a");
        self.text
            .replace("{z}", &zoom.to_string())
            .replace("{x}", &x.to_string())
            .replace("{-y}", &tms_y.to_string())
            .replace("{y}", &y.to_string())
            .replace("{s}", s)
    }
}

/// The two templates of a Tianditu basemap, ground then labels, with the key.
/// Tianditu's `_w` layers are Web Mercator on CGCS2000, which matches the map.
pub fn tianditu_templates(imagery: bool, token: &str) -> Result<Vec<String>, TileError> {
    let token = token.trim();
    // Keys are hexadecimal; anything else would be pasted into the URL as is.
    if token.is_empty() || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(TileError::Setup(
            "the Tianditu key must be letters and digits only (as issued by 天地图)".into(),
        ));
    }
    let layers = if imagery {
        ["img", "cia"]
    } else {
        ["vec", "cva"]
    };
    Ok(layers
        .iter()
        .map(|l| {
            format!(
                "https://t{{s}}.tianditu.gov.cn/{l}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={l}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={token}"
            )
        })
        .collect())
}

/// A URL as it may appear in messages: without a Tianditu key (`tk=`), which
/// belongs to the user and must not end up in logs or screenshots.
fn shown_url(url: &str) -> String {
    match url.find("tk=") {
        Some(i) => format!("{}tk=…", &url[..i]),
        None => url.to_string(),
    }
}

/// A tile cache on disk: `DIR/SOURCE/LAYER/Z/X/Y.tile`.
#[derive(Debug, Clone)]
pub struct TileCache {
    dir: PathBuf,
}

impl TileCache {
    pub fn new(dir: PathBuf) -> TileCache {
        TileCache { dir }
    }

    fn path(&self, source: &str, layer: usize, zoom: u8, x: u32, y: u32) -> PathBuf {
        self.dir
            .join(source)
            .join(layer.to_string())
            .join(zoom.to_string())
            .join(x.to_string())
            .join(format!("{y}.tile"))
    }

    /// The cached bytes and whether they are still fresh.
    pub fn get(
        &self,
        source: &str,
        layer: usize,
        zoom: u8,
        x: u32,
        y: u32,
    ) -> Option<(Vec<u8>, bool)> {
        let path = self.path(source, layer, zoom, x, y);
        let bytes = std::fs::read(&path).ok()?;
        let age = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .unwrap_or(Duration::MAX);
        Some((bytes, age < FRESH_FOR))
    }

    /// Stores a tile atomically; a failure to cache is not a failure to show.
    pub fn put(
        &self,
        source: &str,
        layer: usize,
        zoom: u8,
        x: u32,
        y: u32,
        bytes: &[u8],
    ) -> Result<(), String> {
        let path = self.path(source, layer, zoom, x, y);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        atomic_write(&path, |w| w.write_all(bytes)).map_err(|e| e.to_string())
    }
}

/// Tiles from one or more XYZ templates (a ground layer and label layers drawn over
/// it), fetched with a timeout and cached on disk.
pub struct HttpSource {
    name: String,
    templates: Vec<UrlTemplate>,
    attribution: String,
    max_zoom: u8,
    cache: Option<TileCache>,
    agent: ureq::Agent,
}

impl HttpSource {
    /// `name` keys the cache; `templates` are checked here.
    pub fn new(
        name: &str,
        templates: &[&str],
        attribution: &str,
        max_zoom: u8,
        cache_dir: Option<PathBuf>,
    ) -> Result<HttpSource, TileError> {
        Self::with_timeout(
            name,
            templates,
            attribution,
            max_zoom,
            cache_dir,
            Duration::from_secs(15),
        )
    }

    /// As [`HttpSource::new`], with the time one request may take in all.
    pub fn with_timeout(
        name: &str,
        templates: &[&str],
        attribution: &str,
        max_zoom: u8,
        cache_dir: Option<PathBuf>,
        timeout: Duration,
    ) -> Result<HttpSource, TileError> {
        let templates = templates
            .iter()
            .map(|t| UrlTemplate::parse(t))
            .collect::<Result<Vec<_>, _>>()?;
        if templates.is_empty() {
            return Err(TileError::Setup("no tile URL template given".into()));
        }
        // The cache is keyed by the source name and a hash of the templates without
        // their query string, so changing a key does not throw the cache away while
        // two different servers never share one.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for t in &templates {
            for b in t.text.split('?').next().unwrap_or("").bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(3)
            .user_agent(concat!(
                "parcelview/",
                env!("CARGO_PKG_VERSION"),
                " (desktop planning viewer)"
            ))
            .build()
            .into();
        Ok(HttpSource {
            name: format!("{name}-{h:016x}"),
            templates,
            attribution: attribution.to_string(),
            max_zoom,
            cache: cache_dir.map(TileCache::new),
            agent,
        })
    }

    fn fetch(&self, url: &str) -> Result<Vec<u8>, TileError> {
        let shown = shown_url(url);
        let network = |reason: String| TileError::Network {
            url: shown.clone(),
            reason,
        };
        let mut response = self
            .agent
            .get(url)
            .call()
            .map_err(|e| network(e.to_string()))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(TileError::Status { url: shown, status });
        }
        response
            .body_mut()
            .with_config()
            .limit(MAX_TILE_BYTES)
            .read_to_vec()
            .map_err(|e| network(e.to_string()))
    }

    /// One layer's tile: fresh cache, else network, else stale cache. Each tile's
    /// bytes are decoded once; only bytes that decode are cached, so garbage is
    /// never kept.
    fn layer_image(
        &self,
        layer: usize,
        t: &UrlTemplate,
        zoom: u8,
        x: u32,
        y: u32,
    ) -> Result<TileImage, TileError> {
        let url = t.url(zoom, x, y);
        let what = shown_url(&url);
        let cached = self
            .cache
            .as_ref()
            .and_then(|c| c.get(&self.name, layer, zoom, x, y));
        if let Some((bytes, true)) = &cached {
            return TileImage::decode(bytes, &what);
        }
        match self.fetch(&url) {
            Ok(bytes) => {
                let image = TileImage::decode(&bytes, &what)?;
                if let Some(c) = &self.cache {
                    let _ = c.put(&self.name, layer, zoom, x, y, &bytes);
                }
                Ok(image)
            }
            Err(e) => match cached {
                Some((bytes, _)) => TileImage::decode(&bytes, &what),
                None => Err(e),
            },
        }
    }

    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache.as_ref().map(|c| c.dir.as_path())
    }
}

impl TileSource for HttpSource {
    fn tile(&self, zoom: u8, x: u32, y: u32) -> Result<Option<TileImage>, TileError> {
        if zoom > self.max_zoom {
            return Ok(None);
        }
        let mut out: Option<TileImage> = None;
        for (layer, t) in self.templates.iter().enumerate() {
            let image = self.layer_image(layer, t, zoom, x, y)?;
            match &mut out {
                None => out = Some(image),
                Some(base) => base.composite_over(&image),
            }
        }
        Ok(out)
    }

    fn max_zoom(&self) -> u8 {
        self.max_zoom
    }

    fn attribution(&self) -> String {
        self.attribution.clone()
    }

    fn is_online(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_checked() {
        let t = UrlTemplate::parse("https://{s}.tile.example.org/{z}/{x}/{y}.png").unwrap();
        assert_eq!(t.url(3, 4, 5), "https://a.tile.example.org/3/4/5.png");
        assert_eq!(t.url(3, 4, 6), "https://b.tile.example.org/3/4/6.png");
        let tms = UrlTemplate::parse("http://127.0.0.1:8080/tms/{z}/{x}/{-y}.png").unwrap();
        assert_eq!(tms.url(2, 1, 0), "http://127.0.0.1:8080/tms/2/1/3.png");
        for bad in [
            "ftp://example.org/{z}/{x}/{y}.png",
            "https://{z}.example.org/{z}/{x}/{y}.png",
            "https://evil.org@example.org/{z}/{x}/{y}.png",
            "https://example.org/{z}/{x}.png",
            "https://example.org/{z}/{x}/{y}/{token}.png",
            "https://example.org",
        ] {
            assert!(UrlTemplate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tianditu_keys_are_letters_and_digits() {
        let t = tianditu_templates(false, "0123abcd").unwrap();
        assert_eq!(t.len(), 2);
        assert!(t[0].contains("LAYER=vec") && t[1].contains("LAYER=cva"));
        let u = UrlTemplate::parse(&t[0]).unwrap().url(10, 857, 418);
        assert!(u.starts_with("https://t3.tianditu.gov.cn/vec_w/"), "{u}");
        assert!(
            u.contains("TILEMATRIX=10&TILEROW=418&TILECOL=857&tk=0123abcd"),
            "{u}"
        );
        assert!(tianditu_templates(true, "ab&x=1").is_err());
    }
}
