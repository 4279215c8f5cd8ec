//! Flow (Autodesk Platform Services) access tokens: the PKCE secrets and authorization page
//! of a browser login, the loopback server the browser returns to, and the token endpoint.
//! What to do with them — when to refresh, where they are kept — is the façade's.

mod callback;
mod pkce;
mod token;

pub use callback::FlowCallback;
pub use pkce::FlowLoginRequest;
pub use token::{FlowTokenAnswer, FlowTokenClient};
