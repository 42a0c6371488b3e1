#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| aftercare_server::fuzzing::run("merchants_toml", data));
