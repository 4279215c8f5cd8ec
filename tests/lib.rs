//! End-to-end behaviour tests of tk-auth: the façade with the site emulator, real session
//! files and real processes. The tests live in `e2e/`; this library is empty.
