//! Project files: any bytes read as a project (with migration) or fail with an
//! error, never panic; a project that reads writes back and reads again equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parcelview::project::ProjectFile;

fuzz_target!(|data: &[u8]| {
    if let Ok((file, _notes)) = ProjectFile::from_json(data, "fuzz.json") {
        let Ok(bytes) = file.to_json() else {
            return;
        };
        match ProjectFile::from_json(&bytes, "again.json") {
            Ok((again, _)) => assert_eq!(again, file),
            Err(e) => panic!("a written project does not read back: {e}"),
        }
    }
});
