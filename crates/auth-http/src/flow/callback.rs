//! The loopback server a Flow browser login returns to: it listens on the callback URL's
//! port on this machine only, takes exactly one request on the callback's path with the
//! login's `state`, and refuses everything else.

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tk_auth_core::Secret;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use url::Url;

use crate::{CancelHandle, FlowError, HttpError};

/// How long one browser connection may take to send its request and read the page.
const CONNECTION_LIMIT: Duration = Duration::from_secs(10);

/// What the browser brought back.
enum Outcome {
    Code(Secret),
    Denied {
        error: String,
        description: Option<String>,
    },
}

/// A callback server, listening from [`bind`](Self::bind) until [`wait`](Self::wait) ends or
/// it is dropped.
pub struct FlowCallback {
    listeners: Vec<TcpListener>,
    path: String,
    redirect_uri: String,
    port: u16,
}

impl FlowCallback {
    /// Listens for `callback_url` (`http://localhost:<port>/<path>`, or `127.0.0.1` or
    /// `[::1]`): on `::1` and on `127.0.0.1` where each is available, since `localhost` may
    /// name either. Port 0 picks a free port, which [`redirect_uri`](Self::redirect_uri)
    /// then carries.
    ///
    /// Fails with [`FlowError::CallbackPortInUse`] when another program listens there,
    /// before any browser is opened.
    pub async fn bind(callback_url: &str) -> Result<Self, HttpError> {
        let invalid = |reason| FlowError::CallbackUrl {
            url: callback_url.to_owned(),
            reason,
        };
        let url = Url::parse(callback_url).map_err(|_| invalid("it is not a URL"))?;
        if url.scheme() != "http" {
            return Err(invalid("the callback is served over plain http on this machine").into());
        }
        match url.host_str() {
            Some("localhost" | "127.0.0.1" | "[::1]") => {}
            _ => return Err(invalid("its host must be localhost, 127.0.0.1 or [::1]").into()),
        }
        let wanted = url.port_or_known_default().unwrap_or(80);
        let in_use = |port| FlowError::CallbackPortInUse {
            port,
            url: callback_url.to_owned(),
        };
        let mut listeners = Vec::with_capacity(2);
        let mut port = wanted;
        match TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).await {
            Ok(listener) => {
                port = listener.local_addr().map_or(port, |a| a.port());
                listeners.push(listener);
            }
            Err(e) if taken(&e) => return Err(in_use(port).into()),
            // No IPv6 here: IPv4 only, as the Python Toolkit does.
            Err(e) => tracing::debug!(error = %e, "no IPv6 loopback for the Flow login callback"),
        }
        match TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await {
            Ok(listener) => {
                port = listener.local_addr().map_or(port, |a| a.port());
                listeners.push(listener);
            }
            Err(e) if taken(&e) => return Err(in_use(port).into()),
            Err(e) if listeners.is_empty() => {
                return Err(FlowError::CallbackServer { port, source: e }.into());
            }
            Err(e) => tracing::debug!(error = %e, "no IPv4 loopback for the Flow login callback"),
        }
        let mut redirect = url.clone();
        if wanted == 0 {
            let _ = redirect.set_port(Some(port));
        }
        let redirect_uri = if wanted == 0 {
            redirect.to_string()
        } else {
            callback_url.to_owned()
        };
        Ok(Self {
            listeners,
            path: url.path().to_owned(),
            redirect_uri,
            port,
        })
    }

    /// The callback URL the authorization server must send the browser to: the one given,
    /// with the chosen port when it was 0.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Waits up to `timeout` for the browser to return with `state`, and answers it a page
    /// that says the person can close it. Requests on another path, without the state or
    /// with another one are refused and the wait goes on; once one is taken, the server
    /// stops listening, so a second callback finds nobody.
    pub async fn wait(
        self,
        state: &Secret,
        timeout: Duration,
        cancel: &CancelHandle,
    ) -> Result<Secret, HttpError> {
        let (connections, mut incoming) = mpsc::channel::<TcpStream>(8);
        let _acceptors = Acceptors(
            self.listeners
                .into_iter()
                .map(|listener| {
                    let connections = connections.clone();
                    tokio::spawn(async move {
                        while let Ok((stream, _)) = listener.accept().await {
                            if connections.send(stream).await.is_err() {
                                break;
                            }
                        }
                    })
                })
                .collect(),
        );
        let (sender, mut outcome) = oneshot::channel::<Outcome>();
        let expected = Arc::new(Expected {
            path: self.path,
            state: state.clone(),
            sender: Mutex::new(Some(sender)),
        });
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let outcome = loop {
            tokio::select! {
                taken = &mut outcome => match taken {
                    Ok(outcome) => break outcome,
                    Err(_) => return Err(FlowError::Cancelled.into()),
                },
                Some(stream) = incoming.recv() => serve(stream, Arc::clone(&expected)),
                () = &mut deadline => return Err(FlowError::TimedOut { timeout }.into()),
                () = cancel.cancelled() => return Err(FlowError::Cancelled.into()),
            }
        };
        match outcome {
            Outcome::Code(code) => Ok(code),
            Outcome::Denied { error, description } => {
                Err(FlowError::Denied { error, description }.into())
            }
        }
    }
}

impl std::fmt::Debug for FlowCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowCallback")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Whether a bind failed because the port is taken (or reserved).
fn taken(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::AddrInUse | io::ErrorKind::PermissionDenied
    )
}

/// The accepting tasks, stopped when the wait ends however it ends.
struct Acceptors(Vec<JoinHandle<()>>);

impl Drop for Acceptors {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// What a request must carry, and where the first good one goes.
struct Expected {
    path: String,
    state: Secret,
    sender: Mutex<Option<oneshot::Sender<Outcome>>>,
}

/// Serves one browser connection on a task of its own, bounded in time.
fn serve(stream: TcpStream, expected: Arc<Expected>) {
    tokio::spawn(async move {
        let service = hyper::service::service_fn(move |request| {
            let expected = Arc::clone(&expected);
            async move { Ok::<_, Infallible>(answer(&request, &expected)) }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .keep_alive(false)
            .serve_connection(TokioIo::new(stream), service);
        if tokio::time::timeout(CONNECTION_LIMIT, connection)
            .await
            .is_err()
        {
            tracing::debug!("a Flow login callback connection took too long: closed");
        }
    });
}

/// The answer to one request, handing a good callback over.
fn answer(request: &Request<Incoming>, expected: &Expected) -> Response<String> {
    if request.method() != Method::GET {
        return page(
            StatusCode::METHOD_NOT_ALLOWED,
            "This address only takes the login's return.",
        );
    }
    if request.uri().path() != expected.path {
        return page(
            StatusCode::NOT_FOUND,
            "This is not the login's return address.",
        );
    }
    let query = request.uri().query().unwrap_or("");
    let mut state = None;
    let (mut code, mut error, mut description) = (None, None, None);
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match &*name {
            "state" => state = Some(value.into_owned()),
            "code" => code = Some(value.into_owned()),
            "error" => error = Some(value.into_owned()),
            "error_description" => description = Some(value.into_owned()),
            _ => {}
        }
    }
    if state.as_deref() != Some(expected.state.expose()) {
        tracing::warn!("refused a Flow login callback that does not carry this login's state");
        return page(
            StatusCode::BAD_REQUEST,
            "This page does not belong to the login that is waiting.",
        );
    }
    let outcome = match (code, error) {
        (_, Some(error)) => Outcome::Denied { error, description },
        (Some(code), None) if !code.is_empty() => Outcome::Code(Secret::new(code)),
        _ => {
            return page(
                StatusCode::BAD_REQUEST,
                "The login's return carries no code.",
            );
        }
    };
    let denied = matches!(outcome, Outcome::Denied { .. });
    let sender = expected
        .sender
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    match sender.map(|sender| sender.send(outcome)) {
        Some(Ok(())) => {
            if denied {
                page(
                    StatusCode::OK,
                    "The login was refused. You can close this window.",
                )
            } else {
                tracing::info!("received the Flow login callback");
                page(
                    StatusCode::OK,
                    "You are logged in. You can close this window.",
                )
            }
        }
        _ => page(StatusCode::GONE, "This login has already returned."),
    }
}

/// A small HTML page saying `text` (which holds nothing from the request).
fn page(status: StatusCode, text: &str) -> Response<String> {
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Flow login</title></head><body><p>{text}</p></body></html>"
    );
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
