#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tk_auth_fuzz::url_proxy(data));
