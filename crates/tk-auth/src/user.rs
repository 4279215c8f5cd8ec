//! Users: a person with a session, or a script with a key (Python's `ShotgunUser` family).

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock, Weak};

use serde_json::{Map, Value, json};
use tk_auth_core::{Secret, Site, User, UserClass};
use tk_auth_http::{Auth, RestAccessToken, SiteClient};

use crate::blocking::OwnedRuntime;
use crate::claims_renewal::ClaimsRenewal;
use crate::context::{Context, off_runtime};
use crate::{Connection, Error, ErrorKind, LoginMethod, MakeCurrent, SessionData};

/// An entity as `resolve_entity` returns it: `{"type": …, "id": …}`.
pub type Entity = Map<String, Value>;

/// What a check of a user's credentials found (Decision 5 in `docs/decisions.md`).
#[derive(Debug)]
#[non_exhaustive]
pub enum CredentialState {
    /// The site accepts the credentials.
    Valid,
    /// The site refuses them: the session expired or was revoked.
    Expired,
    /// The site could not be reached; nothing is known about the credentials.
    Unreachable(Error),
}

/// A user of a site, as Python's `ShotgunUser`, `ShotgunWebUser` or `ShotgunSamlUser`.
///
/// Cloning is cheap and clones are the same user: a token renewed through one is seen by
/// all, and by every connection made from them. `Display` is the login (or the script name);
/// `Debug` never shows a token or key.
#[derive(Clone)]
pub struct ShotgunUser {
    inner: Arc<Inner>,
}

struct Inner {
    ctx: Arc<Context>,
    user: RwLock<User>,
    entity: tokio::sync::OnceCell<Entity>,
    client: OnceLock<SiteClient>,
    claims_renewal: ClaimsRenewal,
    /// The runtime of the user's blocking wrappers, shared by all of them: its pooled
    /// connections live as long as the user.
    blocking_runtime: OnceLock<Arc<OwnedRuntime>>,
    /// The REST API access token, once one was asked for (`rest_token.rs`).
    rest_token: Mutex<Option<RestAccessToken>>,
}

/// A user that a background task refers to without keeping it alive.
pub(crate) struct WeakUser(Weak<Inner>);

impl WeakUser {
    pub(crate) fn upgrade(&self) -> Option<ShotgunUser> {
        self.0.upgrade().map(|inner| ShotgunUser { inner })
    }
}

impl ShotgunUser {
    pub(crate) fn new(ctx: Arc<Context>, user: User) -> Self {
        Self {
            inner: Arc::new(Inner {
                ctx,
                user: RwLock::new(user),
                entity: tokio::sync::OnceCell::new(),
                client: OnceLock::new(),
                claims_renewal: ClaimsRenewal::default(),
                blocking_runtime: OnceLock::new(),
                rest_token: Mutex::new(None),
            }),
        }
    }

    /// The runtime of this user's blocking wrappers: the one it already has, else `make`'s.
    pub(crate) fn blocking_runtime(
        &self,
        make: impl FnOnce() -> Arc<OwnedRuntime>,
    ) -> Arc<OwnedRuntime> {
        Arc::clone(self.inner.blocking_runtime.get_or_init(make))
    }

    pub(crate) fn claims_renewal(&self) -> &ClaimsRenewal {
        &self.inner.claims_renewal
    }

    pub(crate) fn context(&self) -> &Arc<Context> {
        &self.inner.ctx
    }

    pub(crate) fn downgrade(&self) -> WeakUser {
        WeakUser(Arc::downgrade(&self.inner))
    }

    fn read<T>(&self, f: impl FnOnce(&User) -> T) -> T {
        f(&self
            .inner
            .user
            .read()
            .unwrap_or_else(PoisonError::into_inner))
    }

    /// The user's data as a plain value: what [`serialize_user`](crate::serialize_user)
    /// writes.
    pub fn to_user(&self) -> User {
        self.read(User::clone)
    }

    /// The site.
    pub fn site(&self) -> Site {
        self.read(|u| u.site().clone())
    }

    /// The site URL, as given (Python's `host`).
    pub fn host(&self) -> String {
        self.read(|u| u.host().to_owned())
    }

    /// The login; `None` for a script user, as in Python.
    pub fn login(&self) -> Option<String> {
        self.read(|u| u.login().map(str::to_owned))
    }

    /// The http proxy.
    pub fn http_proxy(&self) -> Option<String> {
        self.read(|u| u.http_proxy().map(str::to_owned))
    }

    /// The current session token; `None` for a script user.
    pub fn session_token(&self) -> Option<Secret> {
        self.read(|u| match u {
            User::Session(s) => Some(s.session_token().clone()),
            User::Script(_) => None,
        })
    }

    /// The session metadata (web-login cookies); `None` for a script user or a password
    /// login.
    pub fn session_metadata(&self) -> Option<Secret> {
        self.read(|u| u.session_metadata().cloned())
    }

    /// The Python class: `ShotgunUser`, `ShotgunWebUser` or `ShotgunSamlUser`.
    pub fn class(&self) -> Result<UserClass, Error> {
        self.read(User::class).map_err(Error::from)
    }

    /// Whether this is a script user.
    pub fn is_script_user(&self) -> bool {
        self.read(|u| matches!(u, User::Script(_)))
    }

    /// Python's `repr(user)`: `<SessionUser login @ host>` or `<ScriptUser name @ host>`.
    pub fn repr(&self) -> String {
        self.read(User::repr)
    }

    /// Whether `other` is this very user (not a copy with the same data).
    pub fn is_same_user(&self, other: &ShotgunUser) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Replaces the session token in memory only (a token taken from the cache or renewed
    /// elsewhere).
    pub(crate) fn adopt_token(&self, token: &Secret) {
        let mut user = self
            .inner
            .user
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let User::Session(s) = &mut *user
            && s.session_token() != token
        {
            s.set_session_token(token.clone());
        }
    }

    /// Replaces the token and the metadata together (after a renewal through a login).
    pub(crate) fn adopt_session(&self, token: &Secret, metadata: Option<Secret>) {
        let mut user = self
            .inner
            .user
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let User::Session(s) = &mut *user {
            s.set_session_token(token.clone());
            s.set_session_metadata(metadata);
        }
    }

    /// Sets a new session token and stores it in the session cache with the user's
    /// metadata, as Python's `set_session_token` does. A cache failure is logged, not
    /// returned (the token in memory is what matters for this process).
    pub async fn set_session_token(&self, token: Secret) -> Result<(), Error> {
        self.adopt_token(&token);
        self.save_to_cache().await;
        Ok(())
    }

    /// The site and the session of a session user, as the session cache stores them.
    pub(crate) fn cached_session(&self) -> Option<(Site, SessionData)> {
        let User::Session(session) = self.to_user() else {
            return None;
        };
        let data = SessionData {
            login: session.login().to_owned(),
            session_token: session.session_token().clone(),
            session_metadata: session.session_metadata().cloned(),
        };
        Some((session.site().clone(), data))
    }

    /// Writes the session to the cache, off the runtime; failures are logged (Python's
    /// `_try_save`).
    pub(crate) async fn save_to_cache(&self) {
        let user = self.clone();
        if let Err(e) = off_runtime(move || user.record_in_cache(None)).await {
            tracing::warn!(site = %self.site(), error = %e, "could not save the session");
        }
    }

    /// Writes the session, and the method that obtained it when given, to the cache in one
    /// replacement of the site's file; failures are logged. Blocking.
    pub(crate) fn record_in_cache(&self, method: Option<LoginMethod>) {
        let Some((site, data)) = self.cached_session() else {
            return;
        };
        let saved = self
            .inner
            .ctx
            .cache
            .record_login(&site, &data, method, MakeCurrent::Nothing);
        if let Err(e) = saved {
            tracing::warn!(site = %site, login = %data.login, error = %e, "could not save the session");
        }
    }

    /// The REST API access token this user holds.
    pub(crate) fn held_rest_token(&self) -> Option<RestAccessToken> {
        lock(&self.inner.rest_token).clone()
    }

    /// Makes this user hold `token` from now on.
    pub(crate) fn adopt_rest_token(&self, token: &RestAccessToken) {
        *lock(&self.inner.rest_token) = Some(token.clone());
    }

    /// The client for this user's site, made once.
    pub(crate) fn site_client(&self) -> Result<SiteClient, Error> {
        if let Some(client) = self.inner.client.get() {
            return Ok(client.clone());
        }
        let client = self
            .inner
            .ctx
            .client(&self.site(), self.http_proxy().as_deref())?;
        Ok(self.inner.client.get_or_init(|| client).clone())
    }

    /// A connection to the site as this user: for a session user it renews the session
    /// when the site refuses it (once, however many callers); for a script user it is plain.
    pub fn create_sg_connection(&self) -> Result<Connection, Error> {
        Ok(Connection::new(self.clone(), self.site_client()?))
    }

    /// The `HumanUser` (session user) or `ApiUser` (script user) this user is, as
    /// `{"type", "id"}`; looked up once, then remembered.
    pub async fn resolve_entity(&self) -> Result<Entity, Error> {
        self.inner
            .entity
            .get_or_try_init(|| async {
                let connection = self.create_sg_connection()?;
                let (entity_type, filters) = self.read(|u| match u {
                    User::Session(s) => ("HumanUser", json!([["login", "is", s.login()]])),
                    User::Script(s) => ("ApiUser", json!([["firstname", "is", s.api_script()]])),
                });
                let found = connection.find_one(entity_type, &filters, &["id"]).await?;
                let mut entity = found.ok_or_else(|| self.unresolvable())?;
                entity.retain(|k, _| k == "type" || k == "id");
                Ok(entity)
            })
            .await
            .cloned()
    }

    fn unresolvable(&self) -> Error {
        self.read(|u| match u {
            User::Session(s) => Error::new(ErrorKind::UnresolvableHumanUser)
                .at(s.site())
                .of(Some(s.login())),
            User::Script(s) => Error::new(ErrorKind::UnresolvableScriptUser)
                .at(s.site())
                .of(Some(s.api_script())),
        })
    }

    /// Checks the credentials with one call, without renewing: valid, expired, or the site
    /// could not be reached. Script users are always valid, as in Python.
    pub async fn check_credentials(&self) -> Result<CredentialState, Error> {
        let Some(token) = self.session_token() else {
            return Ok(CredentialState::Valid);
        };
        let site = self.site();
        let login = self.login();
        let client = self.site_client()?;
        match client
            .find_one(&Auth::SessionToken(token), "HumanUser", &json!([]), &["id"])
            .await
        {
            // Lapsed claims leave the token itself good (Python returns False).
            Ok(_) | Err(tk_auth_http::HttpError::SamlClaimsExpired { .. }) => {
                Ok(CredentialState::Valid)
            }
            Err(tk_auth_http::HttpError::SessionExpired { .. }) => Ok(CredentialState::Expired),
            Err(e) if e.is_unreachable() => Ok(CredentialState::Unreachable(Error::from_http(
                &site,
                login.as_deref(),
                e,
            ))),
            Err(e) => Err(Error::from_http(&site, login.as_deref(), e)),
        }
    }

    /// Python's `are_credentials_expired`: `true` when the site refuses the session, and
    /// also when the site cannot be reached (use
    /// [`check_credentials`](Self::check_credentials) to tell the two apart).
    pub async fn are_credentials_expired(&self) -> Result<bool, Error> {
        Ok(match self.check_credentials().await? {
            CredentialState::Valid => false,
            CredentialState::Expired => true,
            CredentialState::Unreachable(e) => {
                tracing::warn!(error = %e, "the site is unreachable: reporting the credentials as expired");
                true
            }
        })
    }

    /// Makes one call through a renewing connection, so that an expired session is renewed
    /// now rather than in the middle of later work. Nothing for a script user, as in Python.
    pub async fn refresh_credentials(&self) -> Result<(), Error> {
        if self.is_script_user() {
            return Ok(());
        }
        self.create_sg_connection()?
            .find_one("HumanUser", &json!([]), &["id"])
            .await
            .map(drop)
    }

    /// A [`SessionRenewer`](tk_auth_http::SessionRenewer) that renews this user's session
    /// the way its connections do (shared, cache first, then one prompt); for programs that
    /// use a [`SiteClient`] directly. `None` for a script user.
    pub fn session_renewer(&self) -> Option<Arc<dyn tk_auth_http::SessionRenewer>> {
        if self.is_script_user() {
            return None;
        }
        Some(Arc::new(crate::renewal::UserRenewer::new(self.clone())))
    }
}

impl fmt::Display for ShotgunUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.read(|u| fmt::Display::fmt(u, f))
    }
}

impl fmt::Debug for ShotgunUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.read(|u| fmt::Debug::fmt(u, f))
    }
}

/// A lock that a panicking holder did not spoil: the token inside is replaced whole.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
