//! Replays every file under `fuzz/regressions/{target}/` through its fuzz target: what
//! a fuzzer once found (and the hostile files the issues reported) stays fixed.

use std::path::Path;

use aftercare_parsers::fuzzing::{run, TARGETS};

#[test]
fn every_regression_input_runs_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let mut replayed = 0;
    for target in TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| run(target, &data));
            assert!(outcome.is_ok(), "{target} panicked on {}", path.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "the regression corpus is in {}", root.display());
}

#[test]
fn every_target_takes_empty_and_tiny_inputs() {
    for target in TARGETS {
        for data in [&b""[..], b"\0", b"\xFF\xD8", b"RIFF", b"\x89PNG\r\n\x1a\n", b"\0\0\0\x01mdat"] {
            run(target, data);
        }
    }
}
