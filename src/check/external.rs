//! `check --external`: every http(s) link that leads outside the site is requested once, with one
//! request at a time per host (hosts in parallel), a timeout, HEAD first and GET when HEAD is
//! refused, redirects followed, and a cache of good answers between runs. `http://` is spoken
//! over `std::net::TcpStream`; `https://` goes through `ureq` (rustls, the Mozilla roots, or the
//! certificates of the file named by `SSL_CERT_FILE`), with redirects and fallbacks handled here
//! for both.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::links::ExternalLink;
use crate::diag::Diagnostic;

/// How external links are checked.
#[derive(Debug, Clone)]
pub struct ExternalOptions {
    /// The longest wait for one answer (connecting and reading the headers).
    pub timeout: Duration,
    /// The cache file of good answers, or None to ask every time.
    pub cache: Option<PathBuf>,
    /// How long a good answer is trusted.
    pub cache_for: Duration,
    /// How many hosts are asked at once.
    pub parallel_hosts: usize,
}

impl Default for ExternalOptions {
    fn default() -> Self {
        ExternalOptions {
            timeout: Duration::from_secs(10),
            cache: default_cache_file(),
            cache_for: Duration::from_secs(24 * 60 * 60),
            parallel_hosts: 8,
        }
    }
}

/// The cache file: `$XDG_CACHE_HOME/secsite/external-links.tsv`, else under `$HOME/.cache`.
pub fn default_cache_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("secsite").join("external-links.tsv"))
}

/// What asking for one URL gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Ok(u16),
    /// A 2xx answer after redirects, at this URL.
    Redirected(u16, String),
    /// A 4xx or 5xx answer (after redirects).
    Status(u16),
    /// No answer: timeout, refused connection, unknown host, too many redirects.
    Failed(String),
    /// Not asked: TLS could not be set up (`SSL_CERT_FILE` names no certificate).
    NotChecked(String),
}

/// The result of checking the external links.
#[derive(Debug, Default)]
pub struct ExternalReport {
    /// A diagnostic per broken or unreachable link.
    pub diagnostics: Vec<Diagnostic>,
    /// One line that sums up what was done.
    pub summary: String,
    /// The outcome of each URL.
    pub outcomes: BTreeMap<String, Outcome>,
}

/// Checks `links` (distinct URLs) and reports the broken ones at the place each is written.
pub fn check_external(links: &[ExternalLink], options: &ExternalOptions) -> ExternalReport {
    let started = Instant::now();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let cache = options
        .cache
        .as_ref()
        .map(|path| Cache::load(path))
        .unwrap_or_default();
    let mut outcomes: BTreeMap<String, Outcome> = BTreeMap::new();
    let mut from_cache = 0;
    // Group the URLs still to ask by host, in a stable order.
    let mut by_host: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for link in links {
        if let Some(status) = cache.fresh(&link.url, now, options.cache_for) {
            outcomes.insert(link.url.clone(), Outcome::Ok(status));
            from_cache += 1;
            continue;
        }
        let key = parse_url(&link.url).map_or_else(|| link.url.clone(), |u| u.host_key());
        by_host.entry(key).or_default().push(link.url.clone());
    }
    let hosts = by_host.len();
    let queue = Mutex::new(by_host.into_values().collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    let workers = options.parallel_hosts.clamp(1, 32).min(hosts.max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let group = queue.lock().unwrap_or_else(|p| p.into_inner()).pop();
                    let Some(group) = group else { break };
                    // One request at a time per host: the group's URLs one after the other.
                    for url in group {
                        let outcome = check_url(&url, options.timeout);
                        results
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push((url, outcome));
                    }
                }
            });
        }
    });
    outcomes.extend(results.into_inner().unwrap_or_else(|p| p.into_inner()));
    if let Some(path) = &options.cache {
        let mut cache = cache;
        for (url, outcome) in &outcomes {
            if let Outcome::Ok(status) | Outcome::Redirected(status, _) = outcome {
                cache.insert(url, now, *status);
            }
        }
        // A cache that cannot be written only costs time next run.
        let _ = cache.save(path);
    }
    let mut report = ExternalReport::default();
    let (mut ok, mut redirected, mut broken, mut unreachable, mut not_checked) = (0, 0, 0, 0, 0);
    for link in links {
        let Some(outcome) = outcomes.get(&link.url) else {
            continue;
        };
        let span = link.span.clone();
        let written = &link.written;
        match outcome {
            Outcome::Ok(_) => ok += 1,
            Outcome::Redirected(_, _) => redirected += 1,
            Outcome::Status(status) if is_broken_status(*status) => {
                broken += 1;
                report.diagnostics.push(
                    Diagnostic::error(
                        "broken-external-link",
                        span,
                        format!("the link `{written}` answers {status} {}", reason(*status)),
                    )
                    .with_help("update the link or remove it"),
                );
            }
            Outcome::Status(status) => {
                unreachable += 1;
                report.diagnostics.push(
                    Diagnostic::warning(
                        "external-link-unreachable",
                        span,
                        format!(
                            "the link `{written}` answers {status} {}: the server may be down for now",
                            reason(*status)
                        ),
                    )
                    .with_help("check it again later"),
                );
            }
            Outcome::Failed(why) => {
                unreachable += 1;
                report.diagnostics.push(
                    Diagnostic::warning(
                        "external-link-unreachable",
                        span,
                        format!("the link `{written}` could not be checked: {why}"),
                    )
                    .with_help("check the host name, or check it again later"),
                );
            }
            Outcome::NotChecked(_) => not_checked += 1,
        }
    }
    let total = links.len();
    let mut summary = format!(
        "External links: {total} checked on {} host{} in {:.1} s: {} ok",
        hosts + usize::from(hosts == 0 && total > 0),
        if hosts == 1 { "" } else { "s" },
        started.elapsed().as_secs_f64(),
        ok + redirected,
    );
    if redirected > 0 {
        summary.push_str(&format!(" ({redirected} after a redirect)"));
    }
    summary.push_str(&format!(", {broken} broken, {unreachable} unreachable"));
    if from_cache > 0 {
        summary.push_str(&format!(
            "; {from_cache} good answer(s) taken from the cache"
        ));
    }
    if not_checked > 0 {
        let why = outcomes
            .values()
            .find_map(|o| match o {
                Outcome::NotChecked(why) => Some(why.as_str()),
                _ => None,
            })
            .unwrap_or("");
        summary.push_str(&format!("; {not_checked} link(s) not checked: {why}"));
    }
    report.summary = summary;
    report.outcomes = outcomes;
    report
}

/// Whether a status means the link is wrong (not a server having a bad moment).
fn is_broken_status(status: u16) -> bool {
    (400..500).contains(&status) && status != 408 && status != 429
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// The most redirects followed for one link.
const MAX_REDIRECTS: usize = 5;

/// Asks for `url`: HEAD, then GET if HEAD is refused, following redirects.
pub fn check_url(url: &str, timeout: Duration) -> Outcome {
    let mut current = url.to_string();
    for hop in 0..=MAX_REDIRECTS {
        let Some(parsed) = parse_url(&current) else {
            return Outcome::Failed(format!("`{current}` is not a valid URL"));
        };
        let head = request(&parsed, "HEAD", timeout);
        let answer = match head {
            Ok(answer) if answer.status < 400 || answer.status == 404 || answer.status == 410 => {
                answer
            }
            // HEAD refused (405, 501, 403…) or not understood: ask with GET.
            Ok(_) | Err(RequestError::Protocol(_)) => match request(&parsed, "GET", timeout) {
                Ok(answer) => answer,
                Err(RequestError::NoTls(why)) => return Outcome::NotChecked(why),
                Err(error) => return Outcome::Failed(error.to_string()),
            },
            Err(RequestError::NoTls(why)) => return Outcome::NotChecked(why),
            Err(error) => return Outcome::Failed(error.to_string()),
        };
        match (answer.status, answer.location) {
            (300..=399, Some(location)) => {
                current = parsed.join(&location);
                if hop == MAX_REDIRECTS {
                    break;
                }
            }
            (status @ 200..=299, _) if current != url => {
                return Outcome::Redirected(status, current);
            }
            (status @ 200..=299, _) => return Outcome::Ok(status),
            (status, _) => return Outcome::Status(status),
        }
    }
    Outcome::Failed(format!("more than {MAX_REDIRECTS} redirects"))
}

/// An absolute http(s) URL, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url {
    tls: bool,
    host: String,
    port: u16,
    /// Path and query, from `/`.
    target: String,
}

impl Url {
    fn host_key(&self) -> String {
        format!("{}:{}", self.host.to_ascii_lowercase(), self.port)
    }

    fn authority(&self) -> String {
        let default = if self.tls { 443 } else { 80 };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// `location` (absolute, root-relative or relative) resolved against this URL.
    fn join(&self, location: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        if location.starts_with("http://") || location.starts_with("https://") {
            location.to_string()
        } else if let Some(rest) = location.strip_prefix("//") {
            format!("{scheme}://{rest}")
        } else if location.starts_with('/') {
            format!("{scheme}://{}{location}", self.authority())
        } else {
            let path = self.target.split('?').next().unwrap_or("/");
            let dir = &path[..path.rfind('/').map_or(1, |i| i + 1)];
            format!("{scheme}://{}{dir}{location}", self.authority())
        }
    }
}

fn parse_url(url: &str) -> Option<Url> {
    let (tls, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
        (false, rest)
    } else {
        (true, strip_prefix_ignore_case(url, "https://")?)
    };
    let rest = rest.split('#').next().unwrap_or(rest);
    let (authority, target) = match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_string()),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let default_port = if tls { 443 } else { 80 };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => default_port,
        };
        (host.to_string(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), port.parse().ok()?),
            None => (authority.to_string(), default_port),
        }
    };
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let target = target
        .chars()
        .map(|c| {
            if c == ' ' {
                "%20".to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    Some(Url {
        tls,
        host,
        port,
        target,
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// The status line and the headers that matter.
#[derive(Debug)]
struct Answer {
    status: u16,
    location: Option<String>,
}

#[derive(Debug)]
enum RequestError {
    /// Could not connect or the answer did not come in time.
    Network(String),
    /// The server answered something that is not HTTP.
    Protocol(String),
    /// TLS cannot be set up.
    NoTls(String),
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestError::Network(why) | RequestError::Protocol(why) | RequestError::NoTls(why) => {
                f.write_str(why)
            }
        }
    }
}

/// The most header bytes read from an answer.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// One HTTP/1.1 request; reads the status line and headers only, within `timeout` in all.
fn request(url: &Url, method: &str, timeout: Duration) -> Result<Answer, RequestError> {
    if url.tls {
        return request_tls(url, method, timeout);
    }
    let deadline = Instant::now() + timeout;
    let seconds = timeout.as_secs_f64();
    let timed_out = || RequestError::Network(format!("no answer within {seconds} s"));
    let addresses: Vec<_> = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|e| RequestError::Network(format!("unknown host `{}` ({e})", url.host)))?
        .collect();
    let mut last_error = None;
    let mut stream = None;
    for address in addresses {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out());
        }
        match TcpStream::connect_timeout(&address, left) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(error) => last_error = Some(error),
        }
    }
    let mut stream = stream.ok_or_else(|| match last_error {
        Some(error) if error.kind() == std::io::ErrorKind::TimedOut => timed_out(),
        Some(error) => RequestError::Network(format!(
            "cannot connect to {} ({})",
            url.authority(),
            crate::content::discover::io_reason(&error)
        )),
        None => RequestError::Network(format!("no address for `{}`", url.host)),
    })?;
    let request = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: secsite-check/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        url.target,
        url.authority(),
        env!("CARGO_PKG_VERSION")
    );
    let left = deadline.saturating_duration_since(Instant::now());
    stream
        .set_write_timeout(Some(left.max(Duration::from_millis(1))))
        .map_err(|e| RequestError::Network(e.to_string()))?;
    stream
        .write_all(request.as_bytes())
        .map_err(|e| RequestError::Network(format!("cannot send the request ({e})")))?;
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let header_end = loop {
        if let Some(end) = find_header_end(&received) {
            break end;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out());
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| RequestError::Network(e.to_string()))?;
        match stream.read(&mut buffer) {
            Ok(0) => {
                return Err(RequestError::Protocol(
                    "the server closed the connection without an answer".to_string(),
                ));
            }
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(timed_out());
            }
            Err(e) => {
                return Err(RequestError::Network(format!(
                    "the connection failed ({e})"
                )));
            }
        }
        if received.len() > MAX_HEADER_BYTES {
            return Err(RequestError::Protocol(
                "the answer's headers are too long".to_string(),
            ));
        }
    };
    parse_answer(&received[..header_end])
}

/// One request over TLS, through `ureq`: no redirect followed (they are followed here, for http
/// and https alike), any status returned as an answer, the body never read.
fn request_tls(url: &Url, method: &str, timeout: Duration) -> Result<Answer, RequestError> {
    let agent = tls_agent(timeout)?;
    let address = format!("https://{}{}", url.authority(), url.target);
    let result = match method {
        "HEAD" => agent.head(&address).call(),
        _ => agent.get(&address).call(),
    };
    let seconds = timeout.as_secs_f64();
    match result {
        Ok(response) => Ok(Answer {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        }),
        Err(ureq::Error::Timeout(_)) => Err(RequestError::Network(format!(
            "no answer within {seconds} s"
        ))),
        Err(ureq::Error::HostNotFound) => Err(RequestError::Network(format!(
            "unknown host `{}`",
            url.host
        ))),
        Err(ureq::Error::Io(error)) if error.kind() == std::io::ErrorKind::TimedOut => Err(
            RequestError::Network(format!("no answer within {seconds} s")),
        ),
        Err(ureq::Error::Protocol(error)) => Err(RequestError::Protocol(error.to_string())),
        Err(error) if error.to_string().contains("certificate") => {
            Err(RequestError::Network(format!(
                "the TLS certificate of {} is not accepted ({error})",
                url.authority()
            )))
        }
        Err(error) => Err(RequestError::Network(format!(
            "cannot connect to {} ({error})",
            url.authority()
        ))),
    }
}

/// The agent for https requests, made once per timeout: rustls with the Mozilla roots, or with the
/// certificates of the PEM file named by `SSL_CERT_FILE` (as OpenSSL reads it) when it is set.
fn tls_agent(timeout: Duration) -> Result<ureq::Agent, RequestError> {
    use std::sync::OnceLock;
    static AGENTS: OnceLock<Mutex<Vec<(Duration, ureq::Agent)>>> = OnceLock::new();
    let agents = AGENTS.get_or_init(|| Mutex::new(Vec::new()));
    let mut agents = agents.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, agent)) = agents.iter().find(|(t, _)| *t == timeout) {
        return Ok(agent.clone());
    }
    let roots = match std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()) {
        None => ureq::tls::RootCerts::WebPki,
        Some(file) => {
            let pem = std::fs::read(&file).map_err(|e| {
                RequestError::NoTls(format!(
                    "SSL_CERT_FILE names {}, which cannot be read ({e})",
                    PathBuf::from(&file).display()
                ))
            })?;
            let certificates: Vec<_> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c.to_owned()),
                    _ => None,
                })
                .collect();
            if certificates.is_empty() {
                return Err(RequestError::NoTls(format!(
                    "SSL_CERT_FILE names {}, which holds no certificate",
                    PathBuf::from(&file).display()
                )));
            }
            ureq::tls::RootCerts::new_with_certs(&certificates)
        }
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .max_redirects_will_error(false)
        .http_status_as_error(false)
        .user_agent(format!("secsite-check/{}", env!("CARGO_PKG_VERSION")))
        .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
        .build()
        .into();
    agents.push((timeout, agent.clone()));
    Ok(agent)
}

fn find_header_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

fn parse_answer(head: &[u8]) -> Result<Answer, RequestError> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split(' ');
    let version = parts.next().unwrap_or("");
    let status = parts.next().and_then(|s| s.parse::<u16>().ok());
    let Some(status) = status.filter(|_| version.starts_with("HTTP/")) else {
        return Err(RequestError::Protocol(format!(
            "the answer is not HTTP: `{}`",
            status_line.chars().take(60).collect::<String>()
        )));
    };
    let location = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("location")
            .then(|| value.trim().to_string())
    });
    Ok(Answer { status, location })
}

/// Good answers of earlier runs: URL → (when, status).
#[derive(Debug, Default)]
struct Cache {
    entries: BTreeMap<String, (u64, u16)>,
}

impl Cache {
    fn load(path: &std::path::Path) -> Cache {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let entries = text
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let url = fields.next()?;
                let when = fields.next()?.parse().ok()?;
                let status = fields.next()?.parse().ok()?;
                Some((url.to_string(), (when, status)))
            })
            .collect();
        Cache { entries }
    }

    fn fresh(&self, url: &str, now: u64, max_age: Duration) -> Option<u16> {
        let (when, status) = self.entries.get(url)?;
        (now.saturating_sub(*when) <= max_age.as_secs()).then_some(*status)
    }

    fn insert(&mut self, url: &str, now: u64, status: u16) {
        if !url.contains(['\t', '\n', '\r']) {
            self.entries.insert(url.to_string(), (now, status));
        }
    }

    fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let text: String = self
            .entries
            .iter()
            .map(|(url, (when, status))| format!("{url}\t{when}\t{status}\n"))
            .collect();
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, text)?;
        std::fs::rename(&temporary, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_taken_apart_and_joined() {
        let url = parse_url("http://Example.org:8080/a/b?x=1#frag").unwrap();
        assert_eq!(url.host_key(), "example.org:8080");
        assert_eq!(url.target, "/a/b?x=1");
        assert_eq!(url.join("/c"), "http://Example.org:8080/c");
        assert_eq!(url.join("c"), "http://Example.org:8080/a/c");
        assert_eq!(url.join("https://x.org/"), "https://x.org/");
        let v6 = parse_url("http://[::1]:9/").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 9));
        assert!(parse_url("https://example.org").unwrap().tls);
        assert!(parse_url("ftp://x").is_none());
        assert!(parse_url("http://:80/").is_none());
    }

    #[test]
    fn answers_are_parsed() {
        let answer = parse_answer(b"HTTP/1.1 301 Moved\r\nLOCATION: /new\r\n\r\n").unwrap();
        assert_eq!(
            (answer.status, answer.location.as_deref()),
            (301, Some("/new"))
        );
        assert!(parse_answer(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
    }
}
