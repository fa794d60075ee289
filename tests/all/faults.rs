//! Faults: a write that fails half-way, a process killed while it writes a report,
//! a layer file deleted while its project is open. The old file must survive, the
//! new one must be whole or absent, and the app must go on.

use std::path::Path;
use std::process::Command;

use parcelview::io::atomic_write;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_parcelview"))
}

fn maps() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("maps")
}

#[test]
fn a_write_that_fails_half_way_leaves_the_old_file_and_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.csv");
    std::fs::write(&path, b"old contents").unwrap();
    let r = atomic_write(&path, |w| {
        w.write_all(&[b'x'; 100_000])?;
        Err(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "no space left on device",
        ))
    });
    let e = r.unwrap_err().to_string();
    assert!(e.contains("report.csv") && e.contains("no space"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), b"old contents");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary left"
    );
    // A folder that is a file: a clear error, the old file elsewhere untouched.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let e = atomic_write(&blocker.join("out.csv"), |w| w.write_all(b"new"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("out.csv"), "{e}");
}

#[test]
fn killing_a_report_mid_write_leaves_the_old_file_or_a_whole_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cards.pdf");
    let old = b"%PDF-1.7 the previous report\n%%EOF\n".to_vec();
    let project = maps().join("airport-city.json");
    let mut outcomes = (0, 0);
    for delay_ms in [5u64, 40, 120, 300, 700, 1500] {
        std::fs::write(&out, &old).unwrap();
        let mut child = bin()
            .args([
                "report",
                project.to_str().unwrap(),
                "--where",
                "\"所属园区\" = '光电信息产业园'",
                "--kind",
                "cards",
                "--out",
                out.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read(&out).unwrap();
        if now == old {
            outcomes.0 += 1;
        } else {
            // A whole PDF: header, trailer, and every page readable.
            assert!(now.starts_with(b"%PDF-"), "{delay_ms} ms: not a PDF");
            let pages = pdf_extract::extract_text_from_mem_by_pages(&now).unwrap();
            assert!(!pages.is_empty());
            outcomes.1 += 1;
        }
    }
    assert_eq!(outcomes.0 + outcomes.1, 6);
    // A killed writer may leave its temporary; the next write of the file clears
    // it, and leaves nothing but the file.
    let stale = dir.path().join(".cards.pdf.999999999-0.tmp");
    std::fs::write(&stale, b"half a report").unwrap();
    atomic_write(&out, |w| w.write_all(b"%PDF-1.7 new\n%%EOF\n")).unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, ["cards.pdf"]);
}

#[test]
fn a_layer_file_deleted_while_open_leaves_the_project_working() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["parcels.geojson", "facilities.geojson"] {
        std::fs::copy(maps().join(f), dir.path().join(f)).unwrap();
    }
    let path = dir.path().join("p.json");
    std::fs::write(
        &path,
        r#"{"format":"parcelview-project","version":2,"title":"t","layers":[
            {"name":"地块","path":"parcels.geojson","style":{"kind":"landuse"}},
            {"name":"设施","path":"facilities.geojson","style":{"kind":"symbols"}}]}"#,
    )
    .unwrap();
    let project = parcelview::project::Project::open(&path).unwrap();
    let mut app = parcelview::app::ParcelApp::new(project, Default::default());
    std::fs::remove_file(dir.path().join("parcels.geojson")).unwrap();
    // Selecting, statistics and saving work from what was loaded.
    app.apply(parcelview::app::Command::SelectWhere(
        "\"用地代码\" LIKE '10%'".into(),
        parcelview::selection::SelectOp::Replace,
    ));
    assert!(!app.layers[0].selection.is_empty());
    let out = dir.path().join("again.json");
    app.apply(parcelview::app::Command::SaveProject(Some(out.clone())));
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(saved["layers"][0]["path"], "parcels.geojson");
    // Reopening says which file is gone, and opens the rest.
    let again = parcelview::project::Project::open(&out).unwrap();
    assert!(
        again.layers[0]
            .data
            .as_ref()
            .unwrap_err()
            .contains("parcels.geojson")
    );
    assert!(again.layers[1].data.is_ok());
}
