//! The dev server's HTTP side: serves the last good build from memory under the base path, with
//! content types, HEAD, ETag/304, the site's 404 page, a live-reload event stream, and the error
//! overlay injected into HTML. A request can only name a file of the in-memory site.

use std::convert::Infallible;
use std::hash::{DefaultHasher, Hasher};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use bytes::Bytes;
use futures_util::stream::{self, Stream};
use tokio::sync::{broadcast, watch};

use crate::render::RenderedSite;
use crate::render::file_bytes::FileBytes;

/// Where the live-reload events are served.
pub const EVENTS_PATH: &str = "/__secsite/events";
/// Where the live-reload script is served.
pub const SCRIPT_PATH: &str = "/__secsite/livereload.js";
const LIVERELOAD_JS: &str = include_str!("livereload.js");
/// The page served before any build has succeeded.
const NO_SITE_YET: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>secsite: no site yet</title></head><body><main><h1>No site has built yet</h1>\
<p>Fix the errors below; this page reloads when the site builds.</p></main></body></html>";

/// What the server shows: the last good site and, when the last build failed, its errors.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The last site that built.
    pub site: Arc<RenderedSite>,
    /// The diagnostics of the last build, when it failed.
    pub errors: Option<String>,
    /// The base path the site is served under (`/` or `/sec/`).
    pub base_path: String,
}

/// What a browser tab is told after a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reload {
    /// Reload the page.
    Page,
    /// Only stylesheets changed: swap them without a reload.
    Css,
}

/// State shared by the request handlers.
#[derive(Clone)]
pub struct ServerState {
    /// The current snapshot, swapped whole after each build.
    pub snapshot: Arc<RwLock<Arc<Snapshot>>>,
    /// Reload events for the open tabs.
    pub reloads: broadcast::Sender<Reload>,
    /// Turns true when the server stops, ending the event streams so shutdown need not wait.
    pub stopping: watch::Receiver<bool>,
}

impl ServerState {
    /// The snapshot being served.
    pub fn current_snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(current) => Arc::clone(&current),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Serves `snapshot` from now on.
    pub fn replace_snapshot(&self, snapshot: Snapshot) {
        let snapshot = Arc::new(snapshot);
        match self.snapshot.write() {
            Ok(mut current) => *current = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }
}

/// The router: every request goes through `handle`.
pub fn router(state: ServerState) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(state)
}

async fn handle(State(state): State<ServerState>, request: Request<Body>) -> Response<Body> {
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        return plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and HEAD are served",
        );
    }
    let raw_path = request.uri().path().to_string();
    if raw_path == EVENTS_PATH {
        return events(state).into_response();
    }
    if raw_path == SCRIPT_PATH {
        return file_response(
            &method,
            request.headers(),
            "livereload.js",
            FileBytes::from(LIVERELOAD_JS),
        );
    }
    let snapshot = state.current_snapshot();
    match resolve(&raw_path, &snapshot) {
        Resolution::File(path) => {
            let bytes = snapshot.site.files[&path].clone();
            let bytes = if path.ends_with(".html") {
                inject(&bytes.contiguous(), snapshot.errors.as_deref())
            } else {
                bytes
            };
            file_response(&method, request.headers(), &path, bytes)
        }
        Resolution::Redirect(location) => redirect(&location),
        Resolution::BadRequest => plain(StatusCode::BAD_REQUEST, "bad request path"),
        Resolution::NotFound => {
            let body = snapshot
                .site
                .files
                .get("404.html")
                .map(|page| inject(&page.contiguous(), snapshot.errors.as_deref()))
                // No site has built yet: a bare page still carries the errors and the reload.
                .unwrap_or_else(|| inject(NO_SITE_YET.as_bytes(), snapshot.errors.as_deref()));
            let mut response = file_response(&method, &HeaderMap::new(), "404.html", body);
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
    }
}

/// What a request path leads to.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolution {
    /// A file of the site, by its output path.
    File(String),
    /// A redirect to this path (a folder without its slash, or the root outside the base path).
    Redirect(String),
    /// A path that could try to leave the site: `..`, NUL, backslashes, bad encoding.
    BadRequest,
    /// Nothing there.
    NotFound,
}

/// Resolves a raw (percent-encoded) request path against the snapshot.
pub fn resolve(raw_path: &str, snapshot: &Snapshot) -> Resolution {
    let Some(path) = percent_decode(raw_path) else {
        return Resolution::BadRequest;
    };
    if !path.starts_with('/')
        || path.contains(['\0', '\\'])
        || path
            .split('/')
            .any(|segment| segment == ".." || segment == ".")
    {
        return Resolution::BadRequest;
    }
    let base = snapshot.base_path.as_str();
    let Some(relative) = path.strip_prefix(base) else {
        if format!("{path}/") == base || path == "/" {
            return Resolution::Redirect(base.to_string());
        }
        return Resolution::NotFound;
    };
    let files = &snapshot.site.files;
    if relative.is_empty() || relative.ends_with('/') {
        let index = format!("{relative}index.html");
        return if files.contains_key(&index) {
            Resolution::File(index)
        } else {
            Resolution::NotFound
        };
    }
    if files.contains_key(relative) {
        return Resolution::File(relative.to_string());
    }
    if files.contains_key(&format!("{relative}/index.html")) {
        // The location keeps the request's own encoding.
        return Resolution::Redirect(format!("{raw_path}/"));
    }
    Resolution::NotFound
}

/// Decodes `%XX` escapes; None when an escape or the resulting UTF-8 is invalid.
fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = path.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Adds the live-reload script, and the error overlay when the last build failed, before `</body>`.
fn inject(page: &[u8], errors: Option<&str>) -> FileBytes {
    let mut addition = format!("<script src=\"{SCRIPT_PATH}\" defer></script>");
    if let Some(errors) = errors {
        addition.push_str(&overlay(errors));
    }
    let at = find_last(page, b"</body>").unwrap_or(page.len());
    let mut out = Vec::with_capacity(page.len() + addition.len());
    out.extend_from_slice(&page[..at]);
    out.extend_from_slice(addition.as_bytes());
    out.extend_from_slice(&page[at..]);
    FileBytes::from(out)
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

/// The overlay that shows the last build's errors over the last good page.
pub fn overlay(errors: &str) -> String {
    format!(
        "<div id=\"secsite-overlay\" role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;\
         z-index:2147483647;margin:0;padding:1rem 1.5rem;background:#fff4f4;color:#5c0000;border-top:4px solid #b00020;\
         font:14px/1.5 ui-monospace,monospace;box-shadow:0 -4px 16px rgba(0,0,0,.3)\">\
         <strong style=\"font:bold 16px/1.4 system-ui,sans-serif\">secsite: the last build failed; \
         this is the last good build.</strong><pre style=\"white-space:pre-wrap;margin:.5rem 0 0\">{}</pre></div>",
        escape_html(errors)
    )
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn file_response(
    method: &Method,
    request_headers: &HeaderMap,
    path: &str,
    bytes: FileBytes,
) -> Response<Body> {
    let etag = etag_of(&bytes);
    let not_modified = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            // RFC 9110 13.1.2: If-None-Match uses the weak comparison.
            let weak = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
            v.split(',')
                .any(|tag| tag.trim() == "*" || weak(tag) == weak(&etag))
        });
    let mut builder = Response::builder()
        .header(header::CONTENT_TYPE, content_type(path))
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, "no-cache")
        .header("x-content-type-options", "nosniff");
    if not_modified {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default();
    }
    builder = builder.header(header::CONTENT_LENGTH, bytes.len());
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        // A data file remade after an edit is sent as the pieces it is kept in.
        let chunks: Vec<Bytes> = bytes.chunks().to_vec();
        Body::from_stream(stream::iter(chunks.into_iter().map(Ok::<_, Infallible>)))
    };
    builder
        .status(StatusCode::OK)
        .body(body)
        .unwrap_or_default()
}

fn etag_of(bytes: &FileBytes) -> String {
    // DefaultHasher::new() uses fixed keys: the same bytes give the same tag in every run, in
    // one piece or in several (as `<[u8]>::hash` does it: the length, then the bytes).
    let mut hasher = DefaultHasher::new();
    hasher.write_usize(bytes.len());
    for chunk in bytes.chunks() {
        hasher.write(chunk);
    }
    format!("\"{:016x}-{:x}\"", hasher.finish(), bytes.len())
}

/// The content type of a file, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let extension = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "ics" => "text/calendar; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

fn redirect(location: &str) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::MOVED_PERMANENTLY;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn plain(status: StatusCode, message: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(message));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn events(state: ServerState) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.reloads.subscribe();
    let stopping = state.stopping.clone();
    let stream = stream::unfold(
        (receiver, stopping),
        |(mut receiver, mut stopping)| async move {
            let next = tokio::select! {
                next = receiver.recv() => next,
                _ = stopping.wait_for(|stop| *stop) => return None,
            };
            let event = match next {
                Ok(Reload::Css) => Event::default().event("css").data("css"),
                // A tab that lagged behind missed events: one reload covers them all.
                Ok(Reload::Page) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    Event::default().event("reload").data("page")
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            Some((Ok(event), (receiver, stopping)))
        },
    );
    // The first event tells the client it is connected (tests wait for it before editing).
    let hello = stream::once(async { Ok(Event::default().event("hello").data("connected")) });
    Sse::new(futures_util::StreamExt::chain(hello, stream))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        let mut site = RenderedSite::default();
        for path in [
            "index.html",
            "releases/a/index.html",
            "style.css",
            "404.html",
        ] {
            site.files.insert(
                path.to_string(),
                FileBytes::from("<html><body>x</body></html>"),
            );
        }
        Snapshot {
            site: Arc::new(site),
            errors: None,
            base_path: "/sec/".to_string(),
        }
    }

    #[test]
    fn paths_resolve_under_the_base_path() {
        let s = snapshot();
        assert_eq!(resolve("/sec/", &s), Resolution::File("index.html".into()));
        assert_eq!(
            resolve("/sec/releases/a/", &s),
            Resolution::File("releases/a/index.html".into())
        );
        assert_eq!(
            resolve("/sec/releases/a", &s),
            Resolution::Redirect("/sec/releases/a/".into())
        );
        assert_eq!(
            resolve("/sec/style.css", &s),
            Resolution::File("style.css".into())
        );
        assert_eq!(resolve("/", &s), Resolution::Redirect("/sec/".into()));
        assert_eq!(resolve("/sec", &s), Resolution::Redirect("/sec/".into()));
        assert_eq!(resolve("/sec/nope/", &s), Resolution::NotFound);
        assert_eq!(resolve("/other/", &s), Resolution::NotFound);
    }

    #[test]
    fn traversal_attempts_are_refused() {
        let s = snapshot();
        for path in [
            "/sec/../etc/passwd",
            "/sec/%2e%2e/%2e%2e/etc/passwd",
            "/sec/%2E%2E/x",
            "/sec/..%5c..%5cetc",
            "/sec/a\\b",
            "/sec/%00",
            "/sec/%zz",
            "/sec/%ff",
            "/sec/./index.html",
        ] {
            assert_eq!(resolve(path, &s), Resolution::BadRequest, "{path}");
        }
    }

    #[test]
    fn overlay_is_escaped_and_injected_before_body_end() {
        let page = inject(b"<html><body>x</body></html>", Some("a.md:1:1: error: <b>"));
        let text = String::from_utf8(page.to_vec()).unwrap();
        assert!(text.contains("&lt;b&gt;"));
        assert!(text.ends_with("</div></body></html>"));
        assert!(text.contains(SCRIPT_PATH));
    }
}
