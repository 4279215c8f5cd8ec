//! The HTTP side: accepting connections (plain or TLS), reading bodies with a size limit,
//! routing, and applying queued faults.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::fault::Fault;
use crate::listener::{key_exchange_group, resumed};
use crate::state::Shared;
use crate::{aps, control, launcher, rest, rpc, sso, wire};

/// Bodies larger than this are refused, unread beyond a bounded drain.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;
/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until `shutdown` changes.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Running out of descriptors under load is transient: wait and go on.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        shared.record_connection();
        let shared = Arc::clone(&shared);
        let shutdown = shutdown.clone();
        match tls.clone() {
            None => {
                tokio::spawn(serve_connection(stream, shared, "http", shutdown));
            }
            Some(acceptor) => {
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls_stream)) => {
                            shared.record_handshake(
                                key_exchange_group(&tls_stream),
                                resumed(&tls_stream),
                            );
                            serve_connection(tls_stream, shared, "https", shutdown).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        }
    }
}

async fn serve_connection<I>(
    io: I,
    shared: Arc<Shared>,
    scheme: &'static str,
    mut shutdown: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // A `DropConnection` fault fires this; dropping the connection future closes the socket
    // without writing a response.
    let drop_now = Arc::new(Notify::new());
    let service = {
        let drop_now = Arc::clone(&drop_now);
        service_fn(move |req| {
            let shared = Arc::clone(&shared);
            let drop_now = Arc::clone(&drop_now);
            async move { Ok::<_, Infallible>(route(req, &shared, scheme, &drop_now).await) }
        })
    };
    let connection = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        () = drop_now.notified() => tracing::debug!("connection dropped on purpose"),
        _ = shutdown.changed() => {}
    }
}

/// The site URL as this request's client sees it (the `Host` it used).
fn site_url(req: &Request<Incoming>, shared: &Shared, scheme: &str) -> String {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .map_or_else(|| shared.url.clone(), |host| format!("{scheme}://{host}"))
}

async fn route(
    req: Request<Incoming>,
    shared: &Shared,
    scheme: &str,
    drop_now: &Notify,
) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let site = site_url(&req, shared, scheme);
    // What the REST routes read of the head, kept before the body is read.
    let query = req.uri().query().map(str::to_owned);
    let header_text = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let authorization = header_text(header::AUTHORIZATION);
    let cookie = header_text(header::COOKIE).unwrap_or_default();
    let content_type = header_text(header::CONTENT_TYPE);
    let body = match read_body(req, shared.settings.max_body_bytes).await {
        Ok(b) => b,
        Err(response) => return response,
    };

    if sso::is_sso_path(&path) {
        let request = sso::SsoRequest {
            method: &method,
            path: &path,
            query: query.as_deref().unwrap_or_default(),
            cookie: &cookie,
            body: &body,
        };
        return sso::respond(shared, &request).await;
    }
    if !path.starts_with(control::PREFIX) {
        sso::record_cookie_names(shared, &path, &cookie);
    }

    if let Some(rest) = path.strip_prefix(control::PREFIX) {
        let (status, value) = control::handle(shared, &method, rest, &body);
        return json_response(status, &value);
    }
    if path == control::PREFIX.trim_end_matches('/') {
        let (status, value) = control::handle(shared, &method, "", &body);
        return json_response(status, &value);
    }

    if let Some(endpoint) = aps::Endpoint::from_path(&path) {
        if matches!(endpoint, aps::Endpoint::Token) && method == Method::POST {
            aps::record_token_request(shared, &body);
            if let Some(response) = apply_fault(shared.take_flow_fault(), drop_now).await {
                return response;
            }
        }
        return match aps::handle(
            shared,
            endpoint,
            &method,
            query.as_deref().unwrap_or_default(),
            &body,
            &site,
        ) {
            aps::Reply::Json(status, value) => json_response(status, &value),
            aps::Reply::Token(status, value) => {
                let mut response = json_response(status, &value);
                // Token answers must not be cached (RFC 6749 §5.1).
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
            aps::Reply::Html(status, page) => html_response(status, page),
            aps::Reply::Redirect(location) => redirect(&location),
            aps::Reply::MethodNotAllowed(allow) => method_not_allowed(allow),
        };
    }

    let is_rpc = path == wire::RPC_PATH;
    let is_launcher_api = path == wire::LAUNCHER_API_PATH
        || path.starts_with(&format!("{}/", wire::LAUNCHER_API_PATH));
    if is_rpc || is_launcher_api {
        let request: Option<Result<Value, serde_json::Error>> =
            (is_rpc && method == Method::POST).then(|| serde_json::from_slice(&body));
        if let Some(Ok(request)) = &request {
            let name = rpc::method_name(request).unwrap_or("<none>").to_owned();
            let user = rpc::named_user(shared, request);
            shared.record_call(&name, user.as_deref(), request.clone());
        }
        if let Some(response) = apply_fault(shared.take_fault(), drop_now).await {
            return response;
        }
        if is_rpc {
            return match (method, request) {
                (Method::POST, Some(Ok(request))) => match rpc::dispatch(shared, &request, &site) {
                    rpc::Reply::Json(value) => json_response(StatusCode::OK, &value),
                    rpc::Reply::Redirect(location) => redirect(&location),
                },
                (Method::POST, _) => json_response(
                    StatusCode::BAD_REQUEST,
                    &rpc::fault_body(wire::ERR_GENERIC, "The request body is not valid JSON"),
                ),
                _ => method_not_allowed("POST"),
            };
        }
        let id = path
            .strip_prefix(wire::LAUNCHER_API_PATH)
            .unwrap_or_default()
            .trim_start_matches('/');
        let (status, value) = match (method, id) {
            (Method::POST, "") => launcher::create(shared, &body, &site),
            (Method::PUT, id) if !id.is_empty() && !id.contains('/') => launcher::poll(shared, id),
            (_, "") => return method_not_allowed("POST"),
            _ => return method_not_allowed("PUT"),
        };
        return json_response(status, &value);
    }

    if rest::is_rest_path(&path) {
        let request = rest::RestRequest {
            method: &method,
            path: &path,
            query: query.as_deref(),
            authorization: authorization.as_deref(),
            content_type: content_type.as_deref(),
            body: &body,
        };
        rest::record(shared, &request);
        // Faults apply to the REST routes as to the JSON-RPC ones (`fault.rs`).
        if let Some(response) = apply_fault(shared.take_fault(), drop_now).await {
            return response;
        }
        let (status, value) = rest::handle(shared, &request);
        return json_response(status, &value);
    }

    if let Some(id) = path
        .strip_prefix(wire::LAUNCHER_PAGE_PATH)
        .and_then(|rest| rest.strip_prefix('/'))
        .filter(|id| !id.is_empty() && !id.contains('/'))
    {
        let (status, page) = match method {
            Method::GET | Method::HEAD => launcher::page(shared, id),
            Method::POST => launcher::decide(shared, id, &body),
            _ => return method_not_allowed("GET, POST"),
        };
        return html_response(status, page);
    }

    match (method, path.as_str()) {
        (Method::GET, "/") => html_response(
            StatusCode::OK,
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Flow Production Tracking site emulator</title></head>\n\
             <body><h1>Flow Production Tracking site emulator</h1>\n\
             <p>JSON-RPC at <code>/api3/json</code>; control API at <a href=\"/_emulator/\"><code>/_emulator/</code></a>.</p></body></html>\n"
                .to_owned(),
        ),
        _ => json_response(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"message": format!("no such page: {path}")}),
        ),
    }
}

/// The response a fault replaces the real one with, after any stall.
async fn apply_fault(fault: Option<Fault>, drop_now: &Notify) -> Option<Response<Body>> {
    match fault? {
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code)
                .ok()
                .filter(|s| !s.is_informational())
                .unwrap_or(StatusCode::BAD_GATEWAY);
            let reason = status.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<html><head><title>{code} {reason}</title></head><body><h1>{code} {reason}</h1></body></html>\n"
            );
            Some(html_response(status, page))
        }
        Fault::DropConnection => {
            drop_now.notify_one();
            // The connection is dropped with this future; it never completes.
            std::future::pending::<()>().await;
            None
        }
        Fault::Stall(duration) => {
            tokio::time::sleep(duration).await;
            None
        }
        Fault::OversizedBody { bytes, announced } => {
            let mut response = if announced {
                let mut response = Response::new(Body::new(Withheld));
                response
                    .headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes));
                response
            } else {
                Response::new(Body::new(Unannounced { remaining: bytes }))
            };
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            Some(response)
        }
        Fault::MalformedBody => {
            let mut response = Response::new(Body::from("{\"results\": {\"session_id\": "));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            Some(response)
        }
    }
}

/// A body announced by its `Content-Length` and then withheld: it never yields.
struct Withheld;

impl hyper::body::Body for Withheld {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Pending
    }
}

/// `remaining` spaces, sent in chunks without a length, so they go out chunk-encoded.
struct Unannounced {
    remaining: u64,
}

impl hyper::body::Body for Unannounced {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        const CHUNK: u64 = 64 * 1024;
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let n = self.remaining.min(CHUNK);
        self.remaining -= n;
        let chunk = vec![b' '; usize::try_from(n).unwrap_or(0)];
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
    }
}

/// Reads the whole body, or answers 413 when it is larger than `limit`.
async fn read_body(req: Request<Incoming>, limit: usize) -> Result<Vec<u8>, Response<Body>> {
    let too_large = || {
        json_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &rpc::fault_body(
                wire::ERR_GENERIC,
                &format!("The request body is larger than {limit} bytes"),
            ),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        // Far too large to be worth draining: answer and let the connection close.
        return Err(too_large());
    }
    let mut body = req.into_body();
    let mut buffer = Vec::new();
    let mut seen = 0usize;
    loop {
        let frame =
            std::future::poll_fn(|cx| hyper::body::Body::poll_frame(Pin::new(&mut body), cx)).await;
        match frame {
            None => break,
            Some(Err(e)) => {
                tracing::debug!(error = %e, "reading a request body failed");
                return Err(json_response(
                    StatusCode::BAD_REQUEST,
                    &rpc::fault_body(wire::ERR_GENERIC, "The request body could not be read"),
                ));
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    seen = seen.saturating_add(data.len());
                    if seen > DRAIN_LIMIT {
                        return Err(too_large());
                    }
                    // Past the limit, keep reading (and discarding) so that the client,
                    // still sending, gets the 413 rather than a reset connection.
                    if seen <= limit {
                        buffer.extend_from_slice(&data);
                    }
                }
            }
        }
    }
    if seen > limit {
        return Err(too_large());
    }
    Ok(buffer)
}

fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn html_response(status: StatusCode, page: String) -> Response<Body> {
    let mut response = Response::new(Body::from(page));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn redirect(location: &str) -> Response<Body> {
    let mut response = html_response(
        StatusCode::FOUND,
        format!(
            "<html><body>You are being <a href=\"{0}\">redirected</a>.</body></html>",
            launcher::escape(location)
        ),
    );
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &serde_json::json!({"message": format!("method not allowed here; use {allow}")}),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}
