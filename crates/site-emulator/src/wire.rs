//! The site's wire constants, in one place: endpoint paths and the api3 error codes, as a
//! Flow Production Tracking site uses them and `shotgun_api3` expects them.

/// The JSON-RPC endpoint.
pub(crate) const RPC_PATH: &str = "/api3/json";
/// Where a `saml2` site redirects calls whose single sign-on claims lapsed.
pub(crate) const SAML_LOGIN_PATH: &str = "/saml/saml_login_request";
/// Browser approval, the application side: `POST` creates, `PUT …/{id}` polls.
pub(crate) const LAUNCHER_API_PATH: &str = "/internal_api/app_session_request";
/// Browser approval, the page a person's browser shows: `…/{id}`.
pub(crate) const LAUNCHER_PAGE_PATH: &str = "/app_session_request";

/// Credentials rejected, account disabled, session expired or unknown.
pub(crate) const ERR_AUTH: u64 = 102;
/// Two-factor authentication is on and no code was sent.
pub(crate) const ERR_2FA: u64 = 106;
/// Password login on a SAML single-sign-on site.
pub(crate) const ERR_SSO: u64 = 108;
/// Password login on an Autodesk Identity site.
pub(crate) const ERR_OXYGEN: u64 = 110;
/// Any other fault (unknown method, bad parameters): the emulator's generic code.
pub(crate) const ERR_GENERIC: u64 = 100;
