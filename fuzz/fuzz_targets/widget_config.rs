#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| aftercare_parsers::fuzzing::run("widget_config", data));
