#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tk_auth_fuzz::session_file_update(data));
