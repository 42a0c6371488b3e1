#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| aftercare_parsers::fuzzing::run("order", data));
