//! Whole-process benchmarks: the `parcelview` binary's `stats` and `info` on
//! generated 100k and 1M parcel files, wall time and peak resident memory of each
//! run, beside the peer pipeline (GDAL through pyogrio, pyproj.Geod, pandas:
//! `benches/peer_stats.py`) run in the same session, so that the ratio holds when
//! the machine's speed drifts.
//!
//! `cargo bench --bench process`; `PARCELVIEW_BENCH_SIZES=100000` chooses sizes,
//! `PARCELVIEW_BENCH_PEER=0` leaves the peer out (it takes most of a minute at 1M).
//! The files are those of `benches/core.rs` (same seed and names), generated once
//! into the temporary directory and read once before timing, so every run reads
//! from the page cache as a planner's second run would.
//!
//! Peak memory is each child's own `ru_maxrss`, read with `wait4` (Linux): it is
//! exact, where polling `/proc/PID/status` could miss a peak just before exit.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use parcelview::generate::{ParcelOptions, write_parcels};
use parcelview::io::atomic_write;

/// What one finished child process cost.
#[derive(Debug, Clone, Copy)]
struct Run {
    wall: Duration,
    /// User plus system CPU time.
    cpu: Duration,
    peak_rss_mib: f64,
    success: bool,
}

#[cfg(target_os = "linux")]
mod wait {
    use std::ffi::{c_int, c_long};
    use std::time::Duration;

    #[repr(C)]
    struct Timeval {
        tv_sec: c_long,
        tv_usec: c_long,
    }

    /// `struct rusage` of Linux: two times, then fourteen longs, the first of
    /// which is the peak resident set size in KiB.
    #[repr(C)]
    struct Rusage {
        ru_utime: Timeval,
        ru_stime: Timeval,
        ru_maxrss: c_long,
        rest: [c_long; 13],
    }

    unsafe extern "C" {
        fn wait4(pid: c_int, status: *mut c_int, options: c_int, rusage: *mut Rusage) -> c_int;
    }

    fn duration(t: &Timeval) -> Duration {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    }

    /// Waits for the child `pid`; its success, CPU time and peak RSS in MiB.
    pub fn wait_child(pid: u32) -> std::io::Result<(bool, Duration, f64)> {
        let mut status: c_int = 0;
        let mut usage = Rusage {
            ru_utime: Timeval {
                tv_sec: 0,
                tv_usec: 0,
            },
            ru_stime: Timeval {
                tv_sec: 0,
                tv_usec: 0,
            },
            ru_maxrss: 0,
            rest: [0; 13],
        };
        let pid = c_int::try_from(pid).map_err(std::io::Error::other)?;
        loop {
            // SAFETY: both pointers are to live, properly laid out values owned by
            // this frame, and `pid` is a child of this process not yet waited for.
            let r = unsafe { wait4(pid, &mut status, 0, &mut usage) };
            if r == pid {
                break;
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
        // Exited normally (WIFEXITED) with code 0.
        let success = status & 0x7f == 0 && (status >> 8) & 0xff == 0;
        let cpu = duration(&usage.ru_utime) + duration(&usage.ru_stime);
        Ok((success, cpu, usage.ru_maxrss as f64 / 1024.0))
    }
}

/// Runs a command to its end with its output discarded (stdout to `stdout_to`
/// when given) and measures it.
fn run(cmd: &mut Command, stdout_to: Option<&Path>) -> Run {
    let stdout = match stdout_to {
        Some(p) => Stdio::from(std::fs::File::create(p).expect("output file")),
        None => Stdio::null(),
    };
    cmd.stdout(stdout)
        .stderr(Stdio::null())
        .stdin(Stdio::null());
    let t = Instant::now();
    let child = cmd.spawn().expect("spawn");
    #[cfg(target_os = "linux")]
    {
        let (success, cpu, peak) = wait::wait_child(child.id()).expect("wait4");
        // The child has been reaped by wait4; dropping the handle neither waits
        // nor kills.
        drop(child);
        Run {
            wall: t.elapsed(),
            cpu,
            peak_rss_mib: peak,
            success,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let mut child = child;
        let status = child.wait().expect("wait");
        Run {
            wall: t.elapsed(),
            cpu: Duration::ZERO,
            peak_rss_mib: f64::NAN,
            success: status.success(),
        }
    }
}

/// The median run by wall time, and the largest peak of all runs.
fn summary(mut runs: Vec<Run>) -> (Run, f64) {
    let peak = runs.iter().map(|r| r.peak_rss_mib).fold(0.0, f64::max);
    runs.sort_by_key(|r| r.wall);
    (runs[runs.len() / 2], peak)
}

fn bench_file(n: usize) -> PathBuf {
    let dir = std::env::temp_dir().join("parcelview-bench");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let path = dir.join(format!("parcels-{n}.geojson"));
    if !path.exists() {
        let options = ParcelOptions {
            count: n,
            seed: 42,
            ..Default::default()
        };
        atomic_write(&path, |w| {
            write_parcels(w, &options).map_err(std::io::Error::other)
        })
        .expect("write bench file");
    }
    path
}

fn total_area_m2(json_path: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(json_path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("total_area_m2")?.as_f64()
}

fn peer_available() -> bool {
    if std::env::var("PARCELVIEW_BENCH_PEER").is_ok_and(|v| v == "0") {
        return false;
    }
    Command::new("python3")
        .args(["-c", "import pyogrio, pyproj, pandas"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn main() {
    let exe = env!("CARGO_BIN_EXE_parcelview");
    let peer_script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peer_stats.py");
    let sizes: Vec<usize> = std::env::var("PARCELVIEW_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|v| v.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000]);
    let peer = peer_available();
    if !peer {
        println!("process: the peer pipeline is left out (pip install pyogrio pyproj pandas)");
    }
    let out_dir = std::env::temp_dir().join("parcelview-bench-process");
    std::fs::create_dir_all(&out_dir).expect("output dir");
    for n in sizes {
        let file = bench_file(n);
        let size_mb = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        // Into the page cache before anything is timed.
        std::hint::black_box(std::fs::read(&file).expect("read bench file").len());
        let runs = if n >= 1_000_000 { 5 } else { 9 };
        let file_arg = file.to_string_lossy().to_string();
        let stats_json = out_dir.join(format!("stats-{n}.json"));
        let commands: [(&str, Vec<&str>); 2] = [
            (
                "stats --by-field landuse --format json",
                vec![
                    "stats",
                    &file_arg,
                    "--by-field",
                    "landuse",
                    "--format",
                    "json",
                ],
            ),
            (
                "info --format json",
                vec!["info", &file_arg, "--format", "json"],
            ),
        ];
        let mut stats_wall = None;
        for (name, args) in &commands {
            let results: Vec<Run> = (0..runs)
                .map(|_| {
                    let to = name.starts_with("stats").then_some(stats_json.as_path());
                    let r = run(Command::new(exe).args(args), to);
                    assert!(r.success, "parcelview {name} failed on {}", file.display());
                    r
                })
                .collect();
            let (median, peak) = summary(results);
            if name.starts_with("stats") {
                stats_wall = Some(median.wall);
            }
            println!(
                "process/{n}/{name}  {:.3} s wall (median of {runs}), {:.2} s CPU, peak RSS {peak:.0} MiB  ({size_mb:.0} MB file)",
                median.wall.as_secs_f64(),
                median.cpu.as_secs_f64(),
            );
        }
        if peer {
            let peer_json = out_dir.join(format!("peer-{n}.json"));
            let r = run(
                Command::new("python3")
                    .arg(&peer_script)
                    .arg(&file)
                    .arg("landuse"),
                Some(&peer_json),
            );
            assert!(r.success, "the peer pipeline failed on {}", file.display());
            let ratio = stats_wall.map_or(f64::NAN, |w| w.as_secs_f64() / r.wall.as_secs_f64());
            let agree = match (total_area_m2(&stats_json), total_area_m2(&peer_json)) {
                (Some(a), Some(b)) => {
                    format!("total area differs by {:.1e} relative", (a - b).abs() / b)
                }
                _ => "total areas not compared".to_string(),
            };
            println!(
                "process/{n}/peer (pyogrio + pyproj.Geod + pandas)  {:.3} s wall, {:.2} s CPU, peak RSS {:.0} MiB; parcelview stats takes {:.1} % of its time; {agree}",
                r.wall.as_secs_f64(),
                r.cpu.as_secs_f64(),
                r.peak_rss_mib,
                ratio * 100.0,
            );
        }
    }
}
