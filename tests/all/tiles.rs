//! Basemap tile sources: PMTiles and MBTiles files, and online XYZ tiles against a
//! real HTTP server on 127.0.0.1 (served, cached, stale, failing, slow).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use parcelview::tiles::files::{MbTiles, PmTiles, open_tile_file};
use parcelview::tiles::http::HttpSource;
use parcelview::tiles::{TileError, TileImage, TileSource};

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A PNG of one colour, encoded with the image crate.
fn png(rgba: [u8; 4], size: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(size, size, image::Rgba(rgba));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn pixel(t: &TileImage, x: u32, y: u32) -> [u8; 4] {
    let i = ((y * t.width + x) * 4) as usize;
    [t.rgba[i], t.rgba[i + 1], t.rgba[i + 2], t.rgba[i + 3]]
}

/// The fixture was written by the reference PMTiles writer (tests/data/make_tiles.py);
/// every tile of every zoom is looked up and checked against what the script put
/// there, which crosses the leaf directories.
#[test]
fn pmtiles_tiles_are_found_through_leaf_directories() {
    let src = PmTiles::open(&data("tiles.pmtiles")).unwrap();
    assert_eq!(src.max_zoom(), 7);
    let mut state: u64 = 12345;
    let mut checked = 0;
    for z in 0u8..8 {
        for x in 0..(1u32 << z) {
            for y in 0..(1u32 << z) {
                state = (state * 1103515245 + 12345) % (1 << 31);
                let expected = if z <= 2 {
                    [60 * z, 50 * x as u8, 50 * y as u8, 255]
                } else {
                    let g = (state >> 23) as u8;
                    [g, g, g, 255]
                };
                let tile = src.tile(z, x, y).unwrap().expect("a tile");
                assert_eq!((tile.width, tile.height), (8, 8));
                assert_eq!(pixel(&tile, 3, 3), expected, "tile {z}/{x}/{y}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 21845);
    assert_eq!(src.tile(8, 0, 0).unwrap(), None, "beyond the file's zooms");
    // The same file opened by its magic bytes.
    assert!(open_tile_file(&data("tiles.pmtiles")).is_ok());
}

#[test]
fn broken_tile_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short.pmtiles");
    std::fs::write(&short, b"PMTiles\x03 too short").unwrap();
    let e = open_tile_file(&short).err().unwrap().to_string();
    assert!(e.contains("short.pmtiles") && e.contains("header"), "{e}");
    // A vector-tile PMTiles file: the fixture's header with tile type 1 (MVT).
    let mut bytes = std::fs::read(data("tiles.pmtiles")).unwrap();
    bytes[99] = 1;
    let mvt = dir.path().join("vector.pmtiles");
    std::fs::write(&mvt, &bytes).unwrap();
    let e = open_tile_file(&mvt).err().unwrap().to_string();
    assert!(
        e.contains("vector.pmtiles") && e.contains("vector tiles"),
        "{e}"
    );
    let other = dir.path().join("notes.txt");
    std::fs::write(&other, b"hello").unwrap();
    let e = open_tile_file(&other).err().unwrap().to_string();
    assert!(e.contains("neither a PMTiles nor an MBTiles"), "{e}");
    let e = open_tile_file(&dir.path().join("missing.mbtiles"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("missing.mbtiles"), "{e}");
}

#[test]
fn mbtiles_rows_are_flipped_to_xyz() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.mbtiles");
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
             INSERT INTO metadata VALUES ('format', 'png');",
        )
        .unwrap();
        for z in 0u32..3 {
            for x in 0..(1u32 << z) {
                for y in 0..(1u32 << z) {
                    let tms_row = (1 << z) - 1 - y;
                    let tile = png([10 * z as u8, 20 * x as u8, 30 * y as u8, 255], 4);
                    db.execute(
                        "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)",
                        rusqlite::params![z, x, tms_row, tile],
                    )
                    .unwrap();
                }
            }
        }
    }
    let before = std::fs::read(&path).unwrap();
    let src = MbTiles::open(&path).unwrap();
    assert_eq!(src.max_zoom(), 2);
    for z in 0u8..3 {
        for x in 0..(1u32 << z) {
            for y in 0..(1u32 << z) {
                let t = src.tile(z, x, y).unwrap().unwrap();
                assert_eq!(
                    pixel(&t, 1, 1),
                    [10 * z, 20 * x as u8, 30 * y as u8, 255],
                    "{z}/{x}/{y}"
                );
            }
        }
    }
    assert_eq!(src.tile(3, 0, 0).unwrap(), None);
    drop(src);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file is only read"
    );
}

/// A tile server on 127.0.0.1 whose paths choose the behaviour:
/// `/ok/Z/X/Y.png` a PNG coloured by the address, `/labels/...` a half-transparent
/// PNG, `/missing/...` 404, `/garbage/...` 200 with text, `/slow/...` a PNG after
/// 3 s, `/flaky/...` a PNG while `up` is set, else 503.
struct Server {
    port: u16,
    requests: Arc<AtomicUsize>,
    up: Arc<AtomicBool>,
}

fn serve() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(AtomicUsize::new(0));
    let up = Arc::new(AtomicBool::new(true));
    let (r, u) = (requests.clone(), up.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (r, u) = (r.clone(), u.clone());
            std::thread::spawn(move || handle(stream, &r, &u));
        }
    });
    Server { port, requests, up }
}

fn handle(mut stream: TcpStream, requests: &AtomicUsize, up: &AtomicBool) {
    let mut buf = [0u8; 4096];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    requests.fetch_add(1, Ordering::SeqCst);
    let text = String::from_utf8_lossy(&got);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let num = |i: usize| {
        parts
            .get(i)
            .and_then(|p| p.trim_end_matches(".png").parse::<u8>().ok())
            .unwrap_or(0)
    };
    let (z, x, y) = (num(1), num(2), num(3));
    let (status, body): (&str, Vec<u8>) = match parts[0] {
        "ok" => ("200 OK", png([z * 20, x * 20, y * 20, 255], 256)),
        "labels" => ("200 OK", png([255, 255, 255, 128], 256)),
        "missing" => ("404 Not Found", b"no such tile".to_vec()),
        "garbage" => ("200 OK", b"<html>this is not a tile</html>".to_vec()),
        "slow" => {
            std::thread::sleep(Duration::from_secs(3));
            ("200 OK", png([1, 2, 3, 255], 256))
        }
        "flaky" if up.load(Ordering::SeqCst) => ("200 OK", png([z * 20, x * 20, y * 20, 255], 256)),
        _ => ("503 Service Unavailable", b"down".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn source(server: &Server, kind: &str, cache: Option<&Path>, timeout_ms: u64) -> HttpSource {
    let template = format!(
        "http://127.0.0.1:{}/{kind}/{{z}}/{{x}}/{{y}}.png",
        server.port
    );
    HttpSource::with_timeout(
        "test",
        &[template.as_str()],
        "test tiles",
        19,
        cache.map(Path::to_path_buf),
        Duration::from_millis(timeout_ms),
    )
    .unwrap()
}

#[test]
fn online_tiles_are_served_and_cached() {
    let server = serve();
    let cache = tempfile::tempdir().unwrap();
    let src = source(&server, "flaky", Some(cache.path()), 5000);
    let t = src.tile(3, 2, 1).unwrap().unwrap();
    assert_eq!(pixel(&t, 100, 100), [60, 40, 20, 255]);
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    // A second source over the same cache answers from disk without asking.
    let again = source(&server, "flaky", Some(cache.path()), 5000);
    assert_eq!(again.tile(3, 2, 1).unwrap().unwrap(), t);
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        1,
        "fresh tiles come from the cache"
    );
    // The server goes down and the cached tile grows old: it is asked again, fails,
    // and the stale tile is shown rather than nothing.
    server.up.store(false, Ordering::SeqCst);
    let cached: Vec<_> = walk(cache.path());
    assert_eq!(cached.len(), 1, "{cached:?}");
    let old = SystemTime::now() - Duration::from_secs(30 * 24 * 3600);
    std::fs::File::options()
        .write(true)
        .open(&cached[0])
        .unwrap()
        .set_modified(old)
        .unwrap();
    assert_eq!(again.tile(3, 2, 1).unwrap().unwrap(), t);
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        2,
        "a stale tile is refreshed first"
    );
    // A tile never seen fails with the server's answer.
    let e = again.tile(3, 0, 0).unwrap_err();
    assert!(matches!(e, TileError::Status { status: 503, .. }), "{e}");
    assert!(
        e.to_string()
            .contains(&format!("127.0.0.1:{}/flaky/3/0/0.png", server.port)),
        "{e}"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn failing_servers_are_errors_naming_the_tile() {
    let server = serve();
    let cache = tempfile::tempdir().unwrap();
    let e = source(&server, "missing", Some(cache.path()), 5000)
        .tile(2, 1, 1)
        .unwrap_err();
    assert!(matches!(e, TileError::Status { status: 404, .. }), "{e}");
    let e = source(&server, "garbage", Some(cache.path()), 5000)
        .tile(2, 1, 1)
        .unwrap_err();
    assert!(matches!(e, TileError::Decode { .. }), "{e}");
    assert!(walk(cache.path()).is_empty(), "garbage is never cached");
    // Nobody listens on this port once the listener is dropped.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let template = format!("http://127.0.0.1:{port}/x/{{z}}/{{x}}/{{y}}.png");
    let refused = HttpSource::with_timeout(
        "r",
        &[template.as_str()],
        "",
        19,
        None,
        Duration::from_secs(5),
    )
    .unwrap();
    let e = refused.tile(1, 0, 0).unwrap_err();
    assert!(matches!(e, TileError::Network { .. }), "{e}");
    assert!(
        e.to_string()
            .contains(&format!("127.0.0.1:{port}/x/1/0/0.png")),
        "{e}"
    );
}

#[test]
fn a_stalled_server_times_out() {
    let server = serve();
    let started = Instant::now();
    let e = source(&server, "slow", None, 500)
        .tile(1, 0, 0)
        .unwrap_err();
    assert!(matches!(e, TileError::Network { .. }), "{e}");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn label_tiles_are_drawn_over_the_ground() {
    let server = serve();
    let ground = format!("http://127.0.0.1:{}/ok/{{z}}/{{x}}/{{y}}.png", server.port);
    let labels = format!(
        "http://127.0.0.1:{}/labels/{{z}}/{{x}}/{{y}}.png",
        server.port
    );
    let src = HttpSource::with_timeout(
        "stack",
        &[ground.as_str(), labels.as_str()],
        "",
        19,
        None,
        Duration::from_secs(5),
    )
    .unwrap();
    let t = src.tile(1, 1, 0).unwrap().unwrap();
    // White at alpha 128/255 over (20, 20, 0).
    let a = 128.0 / 255.0;
    let mix = |under: f32| (255.0 * a + under * (1.0 - a)).round() as u8;
    assert_eq!(pixel(&t, 5, 5), [mix(20.0), mix(20.0), mix(0.0), 255]);
}
