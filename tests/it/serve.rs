//! `secsite serve`, run as a user runs it: the real binary on a free port over a copy of a
//! fixture site, talked to with a tiny HTTP/1.1 client and a reader of the live-reload event
//! stream. Every wait has a deadline, so a bug fails a test instead of hanging it.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{AS_OF, Output, Site, manifest_dir, parse_xml, path_arg};

/// How long any one wait may last before the test fails.
const WAIT: Duration = Duration::from_secs(15);

/// What `serve` adds before `</body>` of every HTML page.
const SCRIPT_TAG: &str = "<script src=\"/__secsite/livereload.js\" defer></script>";

/// What marks the error overlay.
const OVERLAY: &str = "id=\"secsite-overlay\"";

const NOVEMBER_FILE: &str = "content/releases/2020-11-01-november-release.md";
const NOVEMBER_PAGE: &str = "releases/2020-11-01-november-release/";
const NOVEMBER_BODY: &str = "SEC version 27.0 implements part 2 of MP100.";
const NOVEMBER_TITLE: &str = "SEC v27.0 published for the November 2020 SEC Release";

// ---------------------------------------------------------------------------------------------
// The server process.

/// A running `secsite serve`, killed when dropped.
struct Server {
    child: Child,
    /// Where it listens.
    addr: SocketAddr,
    /// The path the site is served under (`/sec/`).
    base: String,
    /// The URL it printed: `http://127.0.0.1:PORT/sec/`.
    url: String,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

/// Kills a child process unless it was handed on.
struct ChildGuard(Option<Child>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Collects the lines of `stream` in a thread.
fn collect_lines(stream: impl Read + Send + 'static, lines: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            lines.lock().expect("lines").push(line);
        }
    });
}

/// Polls `probe` until it gives a value; fails after WAIT with `what` and `context()`.
fn wait_until<T>(
    what: &str,
    mut probe: impl FnMut() -> Option<T>,
    context: impl Fn() -> String,
) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        if Instant::now() > deadline {
            panic!("timed out after {WAIT:?} waiting for {what}\n{}", context());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits up to `timeout` for `child` to exit.
fn wait_exit(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            return Some(status);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The command that serves `site` on a free port.
fn serve_command(site: &Site, port: u16, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_secsite"));
    command
        .args(["serve", "--root", &site.root_arg(), "--port"])
        .arg(port.to_string())
        .args(["--as-of", AS_OF])
        .args(extra)
        .current_dir(site.tmp())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

impl Server {
    /// `secsite serve --root SITE --port 0 --as-of AS_OF`, once it listens.
    fn start(site: &Site) -> Server {
        Server::start_with(site, &[])
    }

    fn start_with(site: &Site, extra: &[&str]) -> Server {
        let mut child = serve_command(site, 0, extra)
            .spawn()
            .expect("start secsite serve");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr_lines = Arc::new(Mutex::new(Vec::new()));
        collect_lines(child.stdout.take().expect("stdout"), Arc::clone(&stdout));
        collect_lines(
            child.stderr.take().expect("stderr"),
            Arc::clone(&stderr_lines),
        );
        let mut guard = ChildGuard(Some(child));
        let line = wait_until(
            "the `Serving` line",
            || {
                if let Some(line) = stdout
                    .lock()
                    .expect("stdout")
                    .iter()
                    .find(|l| l.starts_with("Serving "))
                {
                    return Some(line.clone());
                }
                let child = guard.0.as_mut().expect("child");
                if let Some(status) = child.try_wait().expect("poll serve") {
                    panic!(
                        "serve exited with {status} before listening\n--- stdout\n{}\n--- stderr\n{}",
                        stdout.lock().expect("stdout").join("\n"),
                        stderr_lines.lock().expect("stderr").join("\n")
                    );
                }
                None
            },
            || stderr_lines.lock().expect("stderr").join("\n"),
        );
        // `Serving http://127.0.0.1:PORT/sec/ (Ctrl-C to stop)`
        assert!(
            line.ends_with(" (Ctrl-C to stop)"),
            "unexpected line: {line}"
        );
        let url = line
            .split_whitespace()
            .nth(1)
            .expect("a URL after Serving")
            .to_string();
        let after_scheme = url.strip_prefix("http://").expect("an http URL");
        let slash = after_scheme.find('/').expect("a path in the URL");
        let addr: SocketAddr = after_scheme[..slash].parse().expect("an address");
        assert!(addr.ip().is_loopback(), "serves on 127.0.0.1: {url}");
        assert_ne!(addr.port(), 0, "--port 0 picks a real port");
        let base = after_scheme[slash..].to_string();
        Server {
            child: guard.0.take().expect("child"),
            addr,
            base,
            url,
            stdout,
            stderr: stderr_lines,
        }
    }

    /// Standard error so far.
    fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr").join("\n")
    }

    /// Standard output so far.
    fn stdout(&self) -> Vec<String> {
        self.stdout.lock().expect("stdout").clone()
    }

    /// How many `Built …` lines the server printed.
    fn builds(&self) -> usize {
        self.stdout()
            .iter()
            .filter(|l| l.starts_with("Built "))
            .count()
    }

    /// What the server printed, for failure messages.
    fn log(&self) -> String {
        format!(
            "--- serve stdout\n{}\n--- serve stderr\n{}",
            self.stdout().join("\n"),
            self.stderr()
        )
    }

    /// `GET` of `path` under the base path (`releases/`, `style.css`).
    fn get(&self, path: &str) -> Response {
        self.request("GET", &format!("{}{path}", self.base), &[])
    }

    /// A request with the raw request target `target`, on a connection of its own.
    fn request(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Response {
        self.try_request(method, target, headers)
            .unwrap_or_else(|e| panic!("{method} {target}: {e}\n{}", self.log()))
    }

    fn try_request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
    ) -> io::Result<Response> {
        one_request(self.addr, method, target, headers)
    }

    /// The text of the page at `path`, which must be served with 200.
    fn page(&self, path: &str) -> String {
        let response = self.get(path);
        assert_eq!(
            response.status,
            200,
            "GET {}{path}\n{}",
            self.base,
            self.log()
        );
        response.text()
    }

    /// Polls `path` until its text contains `needle` (a rebuild may still be on its way).
    fn wait_for_text(&self, path: &str, needle: &str) -> String {
        wait_until(
            &format!("{}{path} to contain {needle:?}", self.base),
            || {
                let response = self.get(path);
                (response.status == 200 && response.text().contains(needle))
                    .then(|| response.text())
            },
            || {
                let response = self.get(path);
                format!(
                    "last response: {} {}\n{}",
                    response.status,
                    response.text(),
                    self.log()
                )
            },
        )
    }

    /// Polls `path` until it is served with `status`.
    fn wait_for_status(&self, path: &str, status: u16) -> Response {
        wait_until(
            &format!("{}{path} to be served with {status}", self.base),
            || {
                let response = self.get(path);
                (response.status == status).then_some(response)
            },
            || self.log(),
        )
    }

    /// The port the server listens on.
    fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Sends SIGINT (Ctrl-C) and waits for the exit.
    fn interrupt(&mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill -INT");
        assert!(status.success(), "kill -INT failed");
        wait_exit(&mut self.child, WAIT)
            .unwrap_or_else(|| panic!("serve did not exit within {WAIT:?} of SIGINT"))
    }
}

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 client.

/// A response: status, headers (names lower-cased) and body.
#[derive(Debug, Clone)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn write_request(
    stream: &mut impl Write,
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    keep_alive: bool,
) -> io::Result<()> {
    let mut text = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    stream.write_all(text.as_bytes())?;
    stream.flush()
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// Reads a status line and headers.
fn read_head(reader: &mut impl BufRead) -> io::Result<(u16, Vec<(String, String)>)> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed before a response",
        ));
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(invalid(format!("not an HTTP/1 status line: {line:?}")));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid(format!("no status in {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(invalid("the connection closed inside the headers".into()));
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed
            .split_once(':')
            .ok_or_else(|| invalid(format!("bad header line {trimmed:?}")))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok((status, headers))
}

/// Reads one chunk of a chunked body; None at the last chunk.
fn read_chunk(reader: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed inside a chunked body",
        ));
    }
    let size_text = line.trim().split(';').next().unwrap_or_default();
    let size = usize::from_str_radix(size_text, 16)
        .map_err(|_| invalid(format!("bad chunk size {line:?}")))?;
    if size == 0 {
        // Trailers, then the blank line.
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                return Ok(None);
            }
        }
    }
    let mut data = vec![0; size];
    reader.read_exact(&mut data)?;
    let mut crlf = [0; 2];
    reader.read_exact(&mut crlf)?;
    if &crlf != b"\r\n" {
        return Err(invalid("a chunk does not end with CRLF".into()));
    }
    Ok(Some(data))
}

/// Reads a whole response; `head` when it answers a HEAD request (no body follows).
fn read_response(reader: &mut impl BufRead, head: bool) -> io::Result<Response> {
    let (status, headers) = read_head(reader)?;
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if head || status == 304 || status == 204 || (100..200).contains(&status) {
        // No body.
    } else if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        while let Some(chunk) = read_chunk(reader)? {
            body.extend_from_slice(&chunk);
        }
    } else if let Some(length) = header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| invalid(format!("bad content-length {length}")))?;
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, WAIT)?;
    stream.set_read_timeout(Some(WAIT))?;
    stream.set_write_timeout(Some(WAIT))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// One request on a connection of its own (`Connection: close`).
fn one_request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> io::Result<Response> {
    let mut stream = connect(addr)?;
    write_request(&mut stream, addr, method, target, headers, false)?;
    read_response(&mut BufReader::new(stream), method == "HEAD")
}

// ---------------------------------------------------------------------------------------------
// The live-reload event stream.

/// A subscriber to /__secsite/events: a thread reads the stream and passes on each event's name.
struct Events {
    received: Receiver<String>,
    stream: TcpStream,
    log: Arc<Mutex<Vec<String>>>,
}

impl Events {
    /// Subscribes and waits for the `hello` event.
    fn connect(server: &Server) -> Events {
        let mut stream = connect(server.addr).expect("connect for the event stream");
        write_request(
            &mut stream,
            server.addr,
            "GET",
            "/__secsite/events",
            &[("Accept", "text/event-stream")],
            true,
        )
        .expect("request the event stream");
        let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
        let (status, headers) = read_head(&mut reader).expect("the event stream's head");
        assert_eq!(status, 200, "the event stream answers 200");
        let content_type = headers
            .iter()
            .find(|(n, _)| n == "content-type")
            .map(|(_, v)| v.as_str());
        assert_eq!(content_type, Some("text/event-stream"));
        // Events may be far apart: only the thread reads, with no timeout.
        stream.set_read_timeout(None).expect("no read timeout");
        let (sender, received) = mpsc::channel();
        std::thread::spawn(move || {
            let mut pending = String::new();
            while let Ok(Some(chunk)) = read_chunk(&mut reader) {
                pending.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = pending.find('\n') {
                    let line = pending[..end].trim_end_matches('\r').to_string();
                    pending.drain(..=end);
                    if let Some(name) = line.strip_prefix("event:")
                        && sender.send(name.trim().to_string()).is_err()
                    {
                        return;
                    }
                }
            }
        });
        let events = Events {
            received,
            stream,
            log: Arc::clone(&server.stderr),
        };
        let first = events.next(WAIT);
        assert_eq!(
            first.as_deref(),
            Some("hello"),
            "the first event says hello"
        );
        events
    }

    /// The next event within `timeout`.
    fn next(&self, timeout: Duration) -> Option<String> {
        self.received.recv_timeout(timeout).ok()
    }

    /// Every event already received.
    fn drain(&self) -> Vec<String> {
        self.received.try_iter().collect()
    }

    /// Waits for an event named `name`; returns every event seen, that one last.
    fn wait_for(&self, name: &str) -> Vec<String> {
        self.wait_for_label(name, &String::new)
    }

    /// [`Events::wait_for`] after `what`, with the server's output in a failure.
    fn wait_for_after(&self, name: &str, what: &str, server: &Server) -> Vec<String> {
        self.wait_for_label(name, &|| format!(" after {what}\n{}", server.log()))
    }

    fn wait_for_label(&self, name: &str, label: &dyn Fn() -> String) -> Vec<String> {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.received.recv_timeout(left) {
                Ok(event) => {
                    let done = event == name;
                    seen.push(event);
                    if done {
                        return seen;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "no `{name}` event within {WAIT:?}{}; saw {seen:?}\n--- serve stderr\n{}",
                    label(),
                    self.log.lock().expect("log").join("\n")
                ),
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "the event stream ended while waiting for `{name}`{}; saw {seen:?}",
                    label()
                ),
            }
        }
    }

    /// Waits for the stream to end (the server closed it).
    fn wait_closed(&self) -> Vec<String> {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.received.recv_timeout(left) {
                Ok(event) => seen.push(event),
                Err(RecvTimeoutError::Disconnected) => return seen,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("the event stream is still open after {WAIT:?}; saw {seen:?}")
                }
            }
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

// ---------------------------------------------------------------------------------------------
// Editing the site like an editor does.

/// Saves `text` to `path` the way most editors do: a temporary file beside it, renamed over it.
fn atomic_save(path: &Path, text: &str) {
    let name = path.file_name().expect("a file name").to_string_lossy();
    let temporary = path.with_file_name(format!(".{name}.secsite-test-save"));
    fs::write(&temporary, text).expect("write the temporary file");
    fs::rename(&temporary, path).expect("rename over the file");
}

/// The text of `rel` with `from` replaced by `to` (which must be there).
fn replaced(site: &Site, rel: &str, from: &str, to: &str) -> String {
    let text = fs::read_to_string(site.root.join(rel)).expect("read a site file");
    assert!(text.contains(from), "{rel} does not contain {from:?}");
    text.replace(from, to)
}

/// Drains stale events, runs `edit`, and waits for the `reload` event it causes.
fn edit_and_wait(server: &Server, events: &Events, what: &str, edit: impl FnOnce()) -> Vec<String> {
    let _stale = events.drain();
    edit();
    events.wait_for_after("reload", what, server)
}

/// Removes the injected live-reload script (exactly one, right before `</body>`).
fn without_script(path: &str, html: &str) -> String {
    assert_eq!(
        html.matches(SCRIPT_TAG).count(),
        1,
        "{path}: the live-reload script is injected once"
    );
    let at = html.find(SCRIPT_TAG).expect("script");
    assert!(
        html[at + SCRIPT_TAG.len()..].starts_with("</body>"),
        "{path}: the script is injected right before </body>"
    );
    html.replacen(SCRIPT_TAG, "", 1)
}

/// Builds the site afresh with the server's base URL and checks that the server serves exactly
/// that: every file of the full build, byte for byte (less the injected script), every page of
/// its sitemap and its feed, and none of `gone`.
fn assert_serves_a_full_build(server: &Server, site: &Site, label: &str, gone: &[&str]) {
    let output_dir = site.tmp().join(format!("full-{label}"));
    let run = site.run(&[
        "build",
        "--root",
        &site.root_arg(),
        "--output",
        &path_arg(&output_dir),
        "--base-url",
        &server.url,
        "--as-of",
        AS_OF,
        "--quiet",
    ]);
    run.assert_code(0);
    let full = Output::at(output_dir).snapshot();
    let mut problems = Vec::new();
    for (rel, bytes) in &full {
        let url_path = rel.strip_suffix("index.html").unwrap_or(rel);
        let response = server.get(url_path);
        if response.status != 200 {
            problems.push(format!("{rel}: served with {}", response.status));
            continue;
        }
        let served = if rel.ends_with(".html") {
            without_script(rel, &response.text()).into_bytes()
        } else {
            response.body.clone()
        };
        if &served != bytes {
            let full_text = String::from_utf8_lossy(bytes);
            let served_text = String::from_utf8_lossy(&served);
            let line = full_text
                .lines()
                .zip(served_text.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            problems.push(format!(
                "{rel}: differs from the full build at line {}:\n  full:   {}\n  served: {}",
                line + 1,
                full_text.lines().nth(line).unwrap_or(""),
                served_text.lines().nth(line).unwrap_or("")
            ));
        }
    }
    // The served sitemap lists exactly the pages of the full build; each is served.
    let sitemap = parse_xml(&server.page("sitemap.xml")).expect("sitemap.xml is XML");
    let locs: BTreeSet<String> = sitemap
        .children_named("url")
        .into_iter()
        .map(|u| u.child("loc").text())
        .collect();
    let expected: BTreeSet<String> = full
        .keys()
        .filter(|p| p.ends_with("index.html") || (p.ends_with(".html") && *p != "404.html"))
        .map(|p| format!("{}{}", server.url, p.trim_end_matches("index.html")))
        .collect();
    if locs != expected {
        problems.push(format!(
            "sitemap.xml: only served {:?}; only built {:?}",
            locs.difference(&expected).collect::<Vec<_>>(),
            expected.difference(&locs).collect::<Vec<_>>()
        ));
    }
    let feed = parse_xml(&server.page("feed.xml")).expect("feed.xml is XML");
    for entry in feed.children_named("entry") {
        let href = entry
            .child("link")
            .attr("href")
            .unwrap_or_default()
            .to_string();
        let Some(path) = href.strip_prefix(&server.url) else {
            problems.push(format!("feed.xml: entry link {href} is not on the server"));
            continue;
        };
        if server.get(path).status != 200 {
            problems.push(format!("feed.xml: {href} is not served"));
        }
    }
    for path in gone {
        let status = server.get(path).status;
        if status != 404 {
            problems.push(format!(
                "{path}: gone from the site but served with {status}"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{label}: the server does not serve what a full build gives:\n{}\n{}",
        problems.join("\n"),
        server.log()
    );
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) {
        for entry in fs::read_dir(dir).expect("read a folder").flatten() {
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().expect("file type").is_dir() {
                out.insert(format!("{name}/"));
                walk(&entry.path(), &format!("{name}/"), out);
            } else {
                out.insert(name);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, "", &mut out);
    out
}

const MP600_NOTICE: &str = r#"---
title: "Ad-hoc SEC Release – MP600"
date: 2020-12-20
kind: ad-hoc-release
effective: 2020-12-22
modifications:
  - id: MP600
    title: "Zeta change"
documents:
  - id: section-z
    version: "3.0"
    codeworks: true
    modification: true
    designation: false
---
This notice fixes MP100.
"#;

/// A named edit of a site, for a test that runs a series of them.
type SiteStep = (&'static str, Box<dyn Fn(&Site)>);

/// A named edit that borrows what it edits.
type Step<'a> = (&'static str, Box<dyn Fn() + 'a>);

const MP600_PAGE: &str = "---\nid: MP600\ntitle: \"Zeta change\"\nstatus: Implemented\n---\nWhat the zeta change does.\n";

fn notice(title: &str, date: &str, body: &str) -> String {
    format!("---\ntitle: \"{title}\"\ndate: {date}\n---\n{body}\n")
}

// ---------------------------------------------------------------------------------------------
// Serving.

#[test]
fn serve_answers_with_content_types_head_etags_redirects_and_the_404_page() {
    let site = Site::fixture("every-kind");
    let server = Server::start(&site);
    assert_eq!(server.base, "/sec/", "served under the path of base_url");
    assert_eq!(
        server.url,
        format!("http://127.0.0.1:{}/sec/", server.port())
    );
    assert!(
        server.stdout().iter().any(|l| l.starts_with("Built ")),
        "the first build is reported: {:?}",
        server.stdout()
    );

    // Content types, and the script in every HTML page but nowhere else.
    for (path, content_type) in [
        ("", "text/html; charset=utf-8"),
        (NOVEMBER_PAGE, "text/html; charset=utf-8"),
        ("404.html", "text/html; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("feed.xml", "application/xml; charset=utf-8"),
        ("sitemap.xml", "application/xml; charset=utf-8"),
        ("robots.txt", "text/plain; charset=utf-8"),
        ("img/logo.svg", "image/svg+xml"),
    ] {
        let response = server.get(path);
        assert_eq!(response.status, 200, "GET /sec/{path}");
        assert_eq!(
            response.header("content-type"),
            Some(content_type),
            "/sec/{path}"
        );
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(
            response.header("content-length"),
            Some(response.body.len().to_string().as_str()),
            "/sec/{path}"
        );
        if content_type.starts_with("text/html") {
            let html = response.text();
            without_script(path, &html);
            assert!(!html.contains(OVERLAY), "no overlay after a good build");
        } else {
            assert!(!response.text().contains(SCRIPT_TAG), "/sec/{path}");
        }
    }
    let script = server.request("GET", "/__secsite/livereload.js", &[]);
    assert_eq!(script.status, 200);
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(script.text().contains("EventSource(\"/__secsite/events\")"));
    // The stylesheet swap adds a query string; it names the same file.
    let busted = server.request("GET", "/sec/style.css?secsite-reload=12345", &[]);
    assert_eq!(busted.status, 200);
    assert_eq!(busted.body, server.get("style.css").body);
    assert_eq!(
        server.request("GET", "/sec/?utm=1", &[]).status,
        200,
        "a query string on a page"
    );

    // HEAD: the GET's headers, no body. A second request on the same connection proves that no
    // body bytes followed the head.
    let get = server.get(NOVEMBER_PAGE);
    let mut stream = connect(server.addr).expect("connect");
    let target = format!("/sec/{NOVEMBER_PAGE}");
    write_request(&mut stream, server.addr, "HEAD", &target, &[], true).expect("HEAD");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let head = read_response(&mut reader, true).expect("HEAD response");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), get.header("content-type"));
    assert_eq!(head.header("etag"), get.header("etag"));
    assert_eq!(
        head.header("content-length"),
        Some(get.body.len().to_string().as_str())
    );
    write_request(
        &mut stream,
        server.addr,
        "GET",
        "/sec/robots.txt",
        &[],
        false,
    )
    .expect("GET");
    let after = read_response(&mut reader, false).expect("the GET after the HEAD");
    assert_eq!(after.status, 200);
    assert_eq!(after.body, server.get("robots.txt").body);

    // ETag and If-None-Match.
    let etag = get.header("etag").expect("an ETag").to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let again = server.get(NOVEMBER_PAGE);
    assert_eq!(
        again.header("etag"),
        Some(etag.as_str()),
        "ETags are stable"
    );
    let not_modified = server.request("GET", &target, &[("If-None-Match", &etag)]);
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("etag"), Some(etag.as_str()));
    let list = format!("\"nope\", {etag}");
    assert_eq!(
        server
            .request("GET", &target, &[("If-None-Match", &list)])
            .status,
        304
    );
    let changed = server.request("GET", &target, &[("If-None-Match", "\"other\"")]);
    assert_eq!(changed.status, 200);
    assert_eq!(changed.body, get.body);
    let head_304 = server.request("HEAD", &target, &[("If-None-Match", &etag)]);
    assert_eq!(head_304.status, 304);
    let css = server.get("style.css");
    let css_etag = css.header("etag").expect("CSS ETag");
    assert_ne!(css_etag, etag, "each file has its own ETag");
    assert_eq!(
        server
            .request("GET", "/sec/style.css", &[("If-None-Match", css_etag)])
            .status,
        304
    );

    // Missing paths: the site's 404.html with status 404, for GET and HEAD.
    let not_found_page = without_script("404.html", &server.page("404.html"));
    for path in [
        "no/such/page/",
        "releases/2099-01-01-nothing/",
        "nothing.css",
    ] {
        let response = server.get(path);
        assert_eq!(response.status, 404, "/sec/{path}");
        assert_eq!(
            response.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(without_script(path, &response.text()), not_found_page);
        let head = server.request("HEAD", &format!("/sec/{path}"), &[]);
        assert_eq!(head.status, 404, "HEAD /sec/{path}");
        assert!(head.body.is_empty());
    }
    assert_eq!(server.request("GET", "/elsewhere/", &[]).status, 404);

    // Folders without their slash, and the root outside the base path, redirect.
    for (target, location) in [
        ("/sec/releases", "/sec/releases/"),
        (
            "/sec/releases/2020-11-01-november-release",
            "/sec/releases/2020-11-01-november-release/",
        ),
        ("/sec", "/sec/"),
        ("/", "/sec/"),
    ] {
        let response = server.request("GET", target, &[]);
        assert!(
            matches!(response.status, 301 | 302 | 307 | 308),
            "{target}: {}",
            response.status
        );
        assert_eq!(response.header("location"), Some(location), "{target}");
    }

    // Only GET and HEAD.
    for method in ["POST", "PUT", "DELETE"] {
        assert_eq!(
            server
                .request(method, "/sec/", &[("Content-Length", "0")])
                .status,
            405,
            "{method}"
        );
    }
}

#[test]
fn serve_refuses_every_path_that_leaves_the_site() {
    let site = Site::fixture("every-kind");
    let secret = "TOP-SECRET-OUTSIDE-THE-SITE";
    fs::write(site.tmp().join("secret.txt"), secret).expect("write a file outside the site");
    let server = Server::start(&site);
    let outside = path_arg(&site.tmp().join("secret.txt"));
    let outside_encoded = outside.replace('/', "%2f");
    let absolute_form = format!("http://{}/sec/../secret.txt", server.addr);
    let targets: Vec<String> = [
        "/sec/../secret.txt",
        "/sec/../../secret.txt",
        "/sec/../site/secsite.yaml",
        "/../secret.txt",
        "/sec/releases/../../secret.txt",
        "/sec/%2e%2e/secret.txt",
        "/sec/%2E%2E/%2e%2e/secret.txt",
        "/sec/.%2e/secret.txt",
        "/sec/%2e./secret.txt",
        "/sec/%2e%2e%2fsecret.txt",
        "/sec/..%2f..%2fsecret.txt",
        "/sec/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/sec/%252e%252e/secret.txt",
        "/sec/%c0%ae%c0%ae/secret.txt",
        "/sec/..\\secret.txt",
        "/sec/..\\..\\secret.txt",
        "/sec/..%5csecret.txt",
        "/sec/%5c..%5c..%5csecret.txt",
        "/sec/%00",
        "/sec/index.html%00.txt",
        "/sec/%00../secret.txt",
        "/sec/a\0b",
        "/sec/\0../secret.txt",
        "/etc/passwd",
        "//etc/passwd",
        "/sec//etc/passwd",
        "/sec/%2fetc%2fpasswd",
        "/sec/secsite.yaml",
        "/sec/content/releases/2020-11-01-november-release.md",
        "/sec/static/img/logo.svg",
        "/sec/./index.html",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        outside.clone(),
        format!("/sec{outside}"),
        format!("/sec/{outside_encoded}"),
        format!("/sec/..{outside}"),
        absolute_form,
    ])
    .collect();
    let mut problems = Vec::new();
    for target in &targets {
        match server.try_request("GET", target, &[]) {
            // The server may drop a request it cannot parse: that reads nothing either.
            Err(error) => eprintln!("{target:?}: no response ({error})"),
            Ok(response) => {
                let body = response.text();
                if !matches!(response.status, 400 | 404) {
                    problems.push(format!("{target:?}: status {}", response.status));
                }
                for leaked in [secret, "root:x:0:0", "base_url:", "kind: scheduled-release"] {
                    if body.contains(leaked) {
                        problems.push(format!("{target:?}: the body holds {leaked:?}"));
                    }
                }
            }
        }
    }
    // The `..` forms are refused outright, not looked up.
    for target in [
        "/sec/../secret.txt",
        "/sec/%2e%2e/secret.txt",
        "/sec/..%5csecret.txt",
        "/sec/%00",
    ] {
        let status = server.request("GET", target, &[]).status;
        if status != 400 {
            problems.push(format!("{target:?}: refused with {status}, not 400"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n{}",
        problems.join("\n"),
        server.log()
    );
    // And the server is still fine.
    assert_eq!(server.get("").status, 200);
}

// ---------------------------------------------------------------------------------------------
// Watching and reloading.

#[test]
fn serve_reloads_on_notice_edits_additions_deletions_and_renames() {
    let site = Site::fixture("every-kind");
    let server = Server::start(&site);
    let events = Events::connect(&server);
    let second_tab = Events::connect(&server);
    let before = server.get(NOVEMBER_PAGE);
    let old_etag = before.header("etag").expect("etag").to_string();
    assert!(before.text().contains(NOVEMBER_BODY));

    // Edit a notice's body in place.
    let text = replaced(
        &site,
        NOVEMBER_FILE,
        NOVEMBER_BODY,
        "The body was edited in place.",
    );
    edit_and_wait(&server, &events, "edit", || {
        site.write(NOVEMBER_FILE, &text)
    });
    second_tab.wait_for("reload");
    let page = server.wait_for_text(NOVEMBER_PAGE, "The body was edited in place.");
    assert!(!page.contains(NOVEMBER_BODY));
    assert!(!page.contains(OVERLAY));
    let target = format!("/sec/{NOVEMBER_PAGE}");
    let revalidated = server.request("GET", &target, &[("If-None-Match", &old_etag)]);
    assert_eq!(revalidated.status, 200, "an old ETag no longer matches");
    assert_ne!(revalidated.header("etag"), Some(old_etag.as_str()));

    // Add a notice: its page, the listing and the home page show it.
    let added = "content/releases/2020-12-15-a-new-notice.md";
    edit_and_wait(&server, &events, "add", || {
        site.write(
            added,
            &notice("A brand new notice", "2020-12-15", "Fresh words."),
        )
    });
    server.wait_for_text("releases/2020-12-15-a-new-notice/", "Fresh words.");
    assert!(server.page("releases/").contains("A brand new notice"));
    assert!(server.page("").contains("A brand new notice"));

    // Rename it: the old page is gone, the new one is there.
    let renamed = "content/releases/2020-12-16-a-renamed-notice.md";
    edit_and_wait(&server, &events, "rename", || {
        fs::rename(site.root.join(added), site.root.join(renamed)).expect("rename")
    });
    server.wait_for_text("releases/2020-12-16-a-renamed-notice/", "Fresh words.");
    server.wait_for_status("releases/2020-12-15-a-new-notice/", 404);

    // Delete it.
    edit_and_wait(&server, &events, "delete", || site.remove(renamed));
    server.wait_for_status("releases/2020-12-16-a-renamed-notice/", 404);
    let listing = server.page("releases/");
    assert!(!listing.contains("A brand new notice"), "{listing}");

    // A title change shows on the listing and on both neighbours' pages.
    let text = replaced(
        &site,
        NOVEMBER_FILE,
        NOVEMBER_TITLE,
        "A retitled November notice",
    );
    edit_and_wait(&server, &events, "retitle", || {
        site.write(NOVEMBER_FILE, &text)
    });
    server.wait_for_text(NOVEMBER_PAGE, "A retitled November notice");
    for neighbour in [
        "releases/2020-06-01-modcast/",
        "releases/2021-01-15-february-2021-release/",
    ] {
        let page = server.page(neighbour);
        assert!(
            page.contains("A retitled November notice") && !page.contains(NOVEMBER_TITLE),
            "{neighbour} links to its neighbour by the new title"
        );
    }
    assert_serves_a_full_build(
        &server,
        &site,
        "notices",
        &[
            "releases/2020-12-15-a-new-notice/",
            "releases/2020-12-16-a-renamed-notice/",
        ],
    );
}

#[test]
fn serve_reloads_on_template_changes() {
    let site = Site::fixture("every-kind");
    let server = Server::start(&site);
    let events = Events::connect(&server);
    let builtin = fs::read_to_string(manifest_dir().join("templates/release.html"))
        .expect("the built-in release template");
    assert!(builtin.contains("</article>") || builtin.contains("{% endblock"));
    let with_marker = |marker: &str| {
        // Put the marker right after the first `{% block content %}`-like opening, or at the end.
        match builtin.find("{% block content %}") {
            Some(at) => {
                let end = at + "{% block content %}".len();
                format!(
                    "{}<p class=\"marker\">{marker}</p>{}",
                    &builtin[..end],
                    &builtin[end..]
                )
            }
            None => format!("{builtin}<p class=\"marker\">{marker}</p>"),
        }
    };

    // A new templates/ folder with an override (the folder did not exist when serve started).
    edit_and_wait(&server, &events, "add a template", || {
        site.write(
            "templates/release.html",
            &with_marker("TEMPLATE MARKER ONE"),
        )
    });
    server.wait_for_text(NOVEMBER_PAGE, "TEMPLATE MARKER ONE");
    server.wait_for_text("releases/2020-06-01-modcast/", "TEMPLATE MARKER ONE");

    // Edit it (atomic save).
    edit_and_wait(&server, &events, "edit a template", || {
        atomic_save(
            &site.root.join("templates/release.html"),
            &with_marker("TEMPLATE MARKER TWO"),
        )
    });
    let page = server.wait_for_text(NOVEMBER_PAGE, "TEMPLATE MARKER TWO");
    assert!(!page.contains("TEMPLATE MARKER ONE"));
    assert_serves_a_full_build(&server, &site, "template-edited", &[]);

    // Rename it away: the built-in template is back.
    edit_and_wait(&server, &events, "rename a template away", || {
        fs::rename(
            site.root.join("templates/release.html"),
            site.root.join("templates/release.html.off"),
        )
        .expect("rename")
    });
    wait_until(
        "the built-in release template to be back",
        || (!server.page(NOVEMBER_PAGE).contains("TEMPLATE MARKER")).then_some(()),
        || server.log(),
    );

    // And back, then delete it.
    edit_and_wait(&server, &events, "rename a template back", || {
        fs::rename(
            site.root.join("templates/release.html.off"),
            site.root.join("templates/release.html"),
        )
        .expect("rename")
    });
    server.wait_for_text(NOVEMBER_PAGE, "TEMPLATE MARKER TWO");
    edit_and_wait(&server, &events, "delete a template", || {
        site.remove("templates/release.html")
    });
    wait_until(
        "the built-in release template to be back",
        || (!server.page(NOVEMBER_PAGE).contains("TEMPLATE MARKER")).then_some(()),
        || server.log(),
    );
    assert_serves_a_full_build(&server, &site, "template-deleted", &[]);
}

#[test]
fn serve_reloads_on_static_file_changes() {
    let site = Site::fixture("every-kind");
    let server = Server::start(&site);
    let events = Events::connect(&server);

    // Edit a static file: a page reload (not a stylesheet swap), the new bytes served.
    let logo = "static/img/logo.svg";
    let new_logo = "<svg xmlns=\"http://www.w3.org/2000/svg\"><title>new logo</title></svg>\n";
    let seen = edit_and_wait(&server, &events, "edit a static file", || {
        site.write(logo, new_logo)
    });
    assert!(!seen.contains(&"css".to_string()), "{seen:?}");
    server.wait_for_text("img/logo.svg", "new logo");

    // Add one in a new folder.
    edit_and_wait(&server, &events, "add a static file", || {
        site.write("static/files/notes.txt", "Some notes.\n")
    });
    let notes = server.wait_for_text("files/notes.txt", "Some notes.");
    assert_eq!(notes, "Some notes.\n");
    assert_eq!(
        server.get("files/notes.txt").header("content-type"),
        Some("text/plain; charset=utf-8")
    );

    // Rename it.
    edit_and_wait(&server, &events, "rename a static file", || {
        fs::rename(
            site.root.join("static/files/notes.txt"),
            site.root.join("static/files/renamed.txt"),
        )
        .expect("rename")
    });
    server.wait_for_text("files/renamed.txt", "Some notes.");
    server.wait_for_status("files/notes.txt", 404);

    // Delete it, then the whole folder.
    edit_and_wait(&server, &events, "delete a static file", || {
        site.remove("static/files/renamed.txt")
    });
    server.wait_for_status("files/renamed.txt", 404);
    site.write("static/files/other.txt", "other\n");
    server.wait_for_text("files/other.txt", "other");
    edit_and_wait(&server, &events, "delete a static folder", || {
        fs::remove_dir_all(site.root.join("static/files")).expect("remove the folder")
    });
    server.wait_for_status("files/other.txt", 404);
    assert_serves_a_full_build(
        &server,
        &site,
        "static",
        &["files/notes.txt", "files/other.txt"],
    );
}

#[test]
fn serve_swaps_stylesheets_with_a_css_event_instead_of_a_reload() {
    let site = Site::fixture("every-kind");
    let server = Server::start(&site);
    let events = Events::connect(&server);
    let home_etag = server.get("").header("etag").expect("etag").to_string();

    // A new stylesheet (atomic save) replaces the built-in one.
    let stale = events.drain();
    assert!(stale.is_empty(), "{stale:?}");
    atomic_save(
        &site.root.join("static/style.css"),
        "body { background: rgb(1, 2, 3); }\n",
    );
    let first = events.next(WAIT);
    assert_eq!(
        first.as_deref(),
        Some("css"),
        "a stylesheet change sends `css`"
    );
    server.wait_for_text("style.css", "rgb(1, 2, 3)");

    // An edit in place.
    fs::write(
        site.root.join("static/style.css"),
        "body { background: rgb(4, 5, 6); }\n",
    )
    .expect("write");
    let seen = events.wait_for("css");
    assert!(!seen.contains(&"reload".to_string()), "{seen:?}");
    server.wait_for_text("style.css", "rgb(4, 5, 6)");
    assert_eq!(
        server.get("").header("etag"),
        Some(home_etag.as_str()),
        "the pages did not change"
    );
    // No page reload was sent for either.
    let later = events.drain();
    assert!(!later.contains(&"reload".to_string()), "{later:?}");

    // Vim's save (probe file, backup by rename, new file): still only a stylesheet change.
    let css_path = site.root.join("static/style.css");
    let backup = site.root.join("static/style.css~");
    fs::write(site.root.join("static/4913"), "").expect("probe");
    fs::remove_file(site.root.join("static/4913")).expect("probe gone");
    fs::rename(&css_path, &backup).expect("backup");
    fs::write(&css_path, "body { background: rgb(10, 11, 12); }\n").expect("write");
    fs::remove_file(&backup).expect("backup gone");
    let seen = events.wait_for("css");
    assert!(!seen.contains(&"reload".to_string()), "{seen:?}");
    server.wait_for_text("style.css", "rgb(10, 11, 12)");
    let later = events.drain();
    assert!(!later.contains(&"reload".to_string()), "{later:?}");

    // A stylesheet and a notice together: the page must reload.
    let text = replaced(&site, NOVEMBER_FILE, NOVEMBER_BODY, "With new styles.");
    atomic_save(&site.root.join(NOVEMBER_FILE), &text);
    fs::write(
        site.root.join("static/style.css"),
        "body { background: rgb(7, 8, 9); }\n",
    )
    .expect("write");
    events.wait_for("reload");
    server.wait_for_text(NOVEMBER_PAGE, "With new styles.");
    server.wait_for_text("style.css", "rgb(7, 8, 9)");
}

#[test]
fn serve_shows_the_error_overlay_then_clears_it_when_fixed() {
    let site = Site::fixture("every-kind");
    let server = Server::start(&site);
    let events = Events::connect(&server);
    let original = fs::read_to_string(site.root.join(NOVEMBER_FILE)).expect("read");

    // Break the notice: the last good build is still served, with the overlay on every page.
    let broken = original.replace("date: 2020-11-01", "date: 2020-13-45");
    assert_ne!(broken, original);
    edit_and_wait(&server, &events, "break", || {
        site.write(NOVEMBER_FILE, &broken)
    });
    let page = server.wait_for_text(NOVEMBER_PAGE, OVERLAY);
    assert!(
        page.contains(NOVEMBER_BODY),
        "the last good page is still served"
    );
    let overlay_at = page.find(OVERLAY).expect("overlay");
    let overlay = &page[overlay_at..];
    assert!(
        overlay.contains("content/releases/2020-11-01-november-release.md:"),
        "the overlay names the file: {overlay}"
    );
    assert!(overlay.contains("error"), "{overlay}");
    assert_eq!(
        page.matches(SCRIPT_TAG).count(),
        1,
        "the script is still injected once"
    );
    for path in ["", "releases/", "documents/", "about/"] {
        assert!(
            server.page(path).contains(OVERLAY),
            "/sec/{path} shows the overlay"
        );
    }
    let missing = server.get("no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(
        missing.text().contains(OVERLAY),
        "the 404 page shows it too"
    );
    assert!(!server.page("style.css").contains(OVERLAY));
    let stderr = wait_until(
        "the error on stderr",
        || {
            let stderr = server.stderr();
            stderr
                .contains("content/releases/2020-11-01-november-release.md:")
                .then_some(stderr)
        },
        || server.log(),
    );
    assert!(stderr.contains("error"), "{stderr}");

    // Fix it with new words: the overlay is gone and the new words show.
    let fixed = original.replace(NOVEMBER_BODY, "Fixed and edited.");
    edit_and_wait(&server, &events, "fix", || {
        site.write(NOVEMBER_FILE, &fixed)
    });
    let page = server.wait_for_text(NOVEMBER_PAGE, "Fixed and edited.");
    assert!(!page.contains(OVERLAY), "the overlay is cleared");
    for path in ["", "releases/", "documents/", "about/"] {
        assert!(!server.page(path).contains(OVERLAY), "/sec/{path}");
    }

    // A template error, then its fix.
    edit_and_wait(&server, &events, "break a template", || {
        site.write(
            "templates/base.html",
            "{% if %}<html><body>broken</body></html>",
        )
    });
    let page = server.wait_for_text("", OVERLAY);
    assert!(
        page.contains("templates/base.html"),
        "the overlay names the template: {page}"
    );
    edit_and_wait(&server, &events, "remove the broken template", || {
        site.remove("templates/base.html")
    });
    wait_until(
        "the overlay to clear",
        || (!server.page("").contains(OVERLAY)).then_some(()),
        || server.log(),
    );

    // A broken registry, then its fix.
    let documents = fs::read_to_string(site.root.join("content/documents.yaml")).expect("read");
    edit_and_wait(&server, &events, "break documents.yaml", || {
        site.write("content/documents.yaml", "- id: [unclosed\n")
    });
    server.wait_for_text("documents/", OVERLAY);
    edit_and_wait(&server, &events, "fix documents.yaml", || {
        atomic_save(&site.root.join("content/documents.yaml"), &documents)
    });
    wait_until(
        "the overlay to clear",
        || (!server.page("documents/").contains(OVERLAY)).then_some(()),
        || server.log(),
    );
    assert_serves_a_full_build(&server, &site, "fixed", &[]);
}

#[test]
fn serve_incremental_builds_equal_full_builds() {
    let site = Site::fixture("every-kind");
    let server = Server::start(&site);
    let events = Events::connect(&server);
    assert_serves_a_full_build(&server, &site, "start", &[]);

    let steps: Vec<SiteStep> = vec![
        (
            "a body edit",
            Box::new(|s: &Site| {
                let text = replaced(
                    s,
                    NOVEMBER_FILE,
                    NOVEMBER_BODY,
                    "Incremental body. MP200 too.",
                );
                s.write(NOVEMBER_FILE, &text)
            }),
        ),
        (
            "a title edit",
            Box::new(|s: &Site| {
                let text = replaced(s, NOVEMBER_FILE, NOVEMBER_TITLE, "Incremental title");
                atomic_save(&s.root.join(NOVEMBER_FILE), &text)
            }),
        ),
        (
            "a new notice with a new modification and a document",
            Box::new(|s: &Site| {
                s.write("content/releases/2020-12-20-ad-hoc-mp600.md", MP600_NOTICE)
            }),
        ),
        (
            "a modification page",
            Box::new(|s: &Site| s.write("content/modifications/MP600.md", MP600_PAGE)),
        ),
        (
            "a registry edit",
            Box::new(|s: &Site| {
                let text = replaced(
                    s,
                    "content/documents.yaml",
                    "title: \"Alt HAN Arrangements\"",
                    "title: \"Alternative HAN Arrangements\"",
                );
                s.write("content/documents.yaml", &text)
            }),
        ),
        (
            "a deleted notice",
            Box::new(|s: &Site| s.remove("content/releases/2020-04-01-beis-designation.md")),
        ),
        (
            "a renamed notice",
            Box::new(|s: &Site| {
                fs::rename(
                    s.root.join("content/releases/2020-05-01-dcc-change.md"),
                    s.root
                        .join("content/releases/2020-05-02-dcc-change-renamed.md"),
                )
                .expect("rename")
            }),
        ),
        (
            "a notice moved into a sub-folder",
            Box::new(|s: &Site| {
                fs::create_dir_all(s.root.join("content/releases/2020")).expect("mkdir");
                fs::rename(
                    s.root.join("content/releases/2020-06-01-modcast.md"),
                    s.root.join("content/releases/2020/2020-06-01-modcast.md"),
                )
                .expect("rename")
            }),
        ),
        (
            "a new free page",
            Box::new(|s: &Site| {
                s.write(
                    "content/pages/contact.md",
                    "---\ntitle: \"Contact\"\n---\nWrite to us about MP600.\n",
                )
            }),
        ),
        (
            "a draft published",
            Box::new(|s: &Site| {
                let rel = "content/releases/2020-12-01-draft-notice.md";
                let text = replaced(s, rel, "draft: true", "draft: false");
                s.write(rel, &text)
            }),
        ),
        (
            "a template override",
            Box::new(|s: &Site| {
                let builtin = fs::read_to_string(manifest_dir().join("templates/404.html"))
                    .expect("the built-in 404 template");
                let text = builtin.replacen(
                    "{% block content %}",
                    "{% block content %}<!-- overridden -->",
                    1,
                );
                assert_ne!(text, builtin, "the 404 template has a content block");
                s.write("templates/404.html", &text)
            }),
        ),
        (
            "a new static file",
            Box::new(|s: &Site| s.write("static/downloads/readme.txt", "Read me.\n")),
        ),
        (
            "a configuration edit",
            Box::new(|s: &Site| {
                let text = replaced(
                    s,
                    "secsite.yaml",
                    "title: Every Kind & Co",
                    "title: Every Kind & Partners",
                );
                s.write("secsite.yaml", &text)
            }),
        ),
        (
            "a page-size edit",
            Box::new(|s: &Site| {
                let text = replaced(s, "secsite.yaml", "page_size: 2", "page_size: 3");
                atomic_save(&s.root.join("secsite.yaml"), &text)
            }),
        ),
    ];
    let mut log = Vec::new();
    for (what, step) in &steps {
        let builds = server.builds();
        edit_and_wait(&server, &events, what, || step(&site));
        // The build that answered the edit printed its line before the reload.
        wait_until(
            &format!("a build after {what}"),
            || (server.builds() > builds).then_some(()),
            || server.log(),
        );
        log.push(*what);
        // Each step's own effect is visible before the next one starts.
        match *what {
            "a body edit" => drop(server.wait_for_text(NOVEMBER_PAGE, "Incremental body.")),
            "a title edit" => drop(server.wait_for_text("releases/", "Incremental title")),
            "a new notice with a new modification and a document" => {
                drop(server.wait_for_text("releases/2020-12-20-ad-hoc-mp600/", "This notice fixes"))
            }
            "a modification page" => {
                drop(server.wait_for_text("modifications/mp600/", "What the zeta change does."))
            }
            "a registry edit" => {
                drop(server.wait_for_text("documents/", "Alternative HAN Arrangements"))
            }
            "a deleted notice" => {
                drop(server.wait_for_status("releases/2020-04-01-beis-designation/", 404))
            }
            "a renamed notice" => {
                drop(server.wait_for_status("releases/2020-05-02-dcc-change-renamed/", 200))
            }
            "a notice moved into a sub-folder" => {
                drop(server.wait_for_status("releases/2020-06-01-modcast/", 200))
            }
            "a new free page" => drop(server.wait_for_text("contact/", "Write to us")),
            "a draft published" => {
                drop(server.wait_for_status("releases/2020-12-01-draft-notice/", 200))
            }
            "a template override" => drop(server.wait_for_text("404.html", "<!-- overridden -->")),
            "a new static file" => drop(server.wait_for_text("downloads/readme.txt", "Read me.")),
            "a configuration edit" => drop(server.wait_for_text("", "Every Kind &amp; Partners")),
            _ => {}
        }
    }
    assert_serves_a_full_build(
        &server,
        &site,
        "end",
        &[
            "releases/2020-04-01-beis-designation/",
            "releases/2020-05-01-dcc-change/",
        ],
    );
    assert_eq!(log.len(), steps.len());
}

#[test]
fn serve_sees_editors_atomic_saves_and_ignores_their_swap_files() {
    let site = Site::fixture("every-kind");
    let server = Server::start(&site);
    let events = Events::connect(&server);
    let releases = site.root.join("content/releases");
    let original = fs::read_to_string(site.root.join(NOVEMBER_FILE)).expect("read");
    let with_body = |body: &str| original.replace(NOVEMBER_BODY, body);

    // Swap, lock, backup and probe files, with broken content: had they been read, the build
    // would fail or change.
    let junk = "---\ntitle: [broken\n---\nJUNK THAT MUST NOT SHOW\n";
    let builds = server.builds();
    for name in [
        ".2020-11-01-november-release.md.swp",
        ".2020-11-01-november-release.md.swx",
        "2020-11-01-november-release.md~",
        ".#2020-11-01-november-release.md",
        "#2020-11-01-november-release.md#",
        "4913",
        "2020-11-01-november-release.md.tmp",
        "2020-11-01-november-release.md___jb_tmp___",
        "2020-11-01-november-release.md___jb_old___",
        ".goutputstream-ABC123",
    ] {
        fs::write(releases.join(name), junk).expect("write a swap file");
    }
    fs::write(site.root.join("static/.style.css.swp"), junk).expect("write");
    fs::write(site.root.join("templates~"), junk).expect("write");
    for name in ["4913", ".#2020-11-01-november-release.md"] {
        fs::remove_file(releases.join(name)).expect("remove a swap file");
    }
    // The watcher debounces for 30 ms; well after that, nothing may have been built or sent.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        server.builds(),
        builds,
        "swap files start no build:\n{}",
        server.log()
    );
    assert_eq!(
        events.drain(),
        Vec::<String>::new(),
        "swap files send no event"
    );

    // A plain atomic save (temporary file renamed over the notice).
    edit_and_wait(&server, &events, "atomic save", || {
        atomic_save(
            &site.root.join(NOVEMBER_FILE),
            &with_body("Saved atomically."),
        )
    });
    let page = server.wait_for_text(NOVEMBER_PAGE, "Saved atomically.");
    assert!(!page.contains(OVERLAY) && !page.contains("JUNK"), "{page}");

    // Vim's default save: probe file 4913, the original renamed to a backup, a new file written,
    // the backup deleted.
    let notice_path = site.root.join(NOVEMBER_FILE);
    let backup = releases.join("2020-11-01-november-release.md~");
    edit_and_wait(&server, &events, "vim save", || {
        fs::write(releases.join("4913"), "").expect("probe");
        fs::remove_file(releases.join("4913")).expect("probe gone");
        fs::rename(&notice_path, &backup).expect("backup");
        fs::write(&notice_path, with_body("Saved like vim.")).expect("write");
        fs::remove_file(&backup).expect("backup gone");
    });
    let page = server.wait_for_text(NOVEMBER_PAGE, "Saved like vim.");
    assert!(!page.contains(OVERLAY), "{page}");

    // JetBrains' safe write: a temporary file, the original moved aside, the temporary renamed.
    let jb_tmp = releases.join("2020-11-01-november-release.md___jb_tmp___");
    let jb_old = releases.join("2020-11-01-november-release.md___jb_old___");
    edit_and_wait(&server, &events, "jetbrains save", || {
        fs::write(&jb_tmp, with_body("Saved like JetBrains.")).expect("write");
        fs::rename(&notice_path, &jb_old).expect("move aside");
        fs::rename(&jb_tmp, &notice_path).expect("rename");
        fs::remove_file(&jb_old).expect("remove the old");
    });
    let page = server.wait_for_text(NOVEMBER_PAGE, "Saved like JetBrains.");
    assert!(!page.contains(OVERLAY), "{page}");

    // A save that truncates then writes in two steps (as some editors and `>` redirection do).
    edit_and_wait(&server, &events, "truncate and write", || {
        let mut file = fs::File::create(&notice_path).expect("truncate");
        let text = with_body("Saved in two writes.");
        let (a, b) = text.split_at(text.len() / 2);
        file.write_all(a.as_bytes()).expect("write");
        file.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(5));
        file.write_all(b.as_bytes()).expect("write");
    });
    let page = wait_until(
        "the two-step save to show without an overlay",
        || {
            let page = server.page(NOVEMBER_PAGE);
            (page.contains("Saved in two writes.") && !page.contains(OVERLAY)).then_some(page)
        },
        || server.log(),
    );
    assert!(!page.contains("JUNK"));
    assert_serves_a_full_build(&server, &site, "editors", &[]);
}

#[test]
fn serve_survives_a_hundred_saves_in_one_second() {
    let site = Site::fixture("every-kind");
    let server = Server::start(&site);
    let events = Events::connect(&server);
    let original = fs::read_to_string(site.root.join(NOVEMBER_FILE)).expect("read");
    let path = site.root.join(NOVEMBER_FILE);
    let started = Instant::now();
    for i in 0..100 {
        let text = original.replace(NOVEMBER_BODY, &format!("Save number {i} of 100."));
        if i % 2 == 0 {
            atomic_save(&path, &text);
        } else {
            fs::write(&path, &text).expect("write");
        }
        // Spread the saves over about a second (on a slow machine they take longer, not less).
        let due = started + Duration::from_millis(10 * (i + 1));
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    let writing = started.elapsed();
    events.wait_for("reload");
    let page = wait_until(
        "the last save to show",
        || {
            let page = server.page(NOVEMBER_PAGE);
            page.contains("Save number 99 of 100.").then_some(page)
        },
        || server.log(),
    );
    assert!(!page.contains(OVERLAY), "{page}");
    eprintln!(
        "100 saves in {:.2} s led to {} builds",
        writing.as_secs_f64(),
        server.builds()
    );
    // Still serving and still watching.
    assert_eq!(server.get("").status, 200);
    let text = original.replace(NOVEMBER_BODY, "After the storm.");
    edit_and_wait(&server, &events, "one more save", || {
        atomic_save(&path, &text)
    });
    server.wait_for_text(NOVEMBER_PAGE, "After the storm.");
    assert_serves_a_full_build(&server, &site, "storm", &[]);
}

#[test]
fn serve_edits_made_while_the_build_fails_all_show_once_it_is_fixed() {
    let site = Site::fixture("every-kind");
    let server = Server::start(&site);
    let events = Events::connect(&server);
    let original = fs::read_to_string(site.root.join(NOVEMBER_FILE)).expect("read");
    edit_and_wait(&server, &events, "break", || {
        site.write(
            NOVEMBER_FILE,
            &original.replace("date: 2020-11-01", "date: 2020-13-45"),
        )
    });
    server.wait_for_text("", OVERLAY);

    // While it is broken: another notice's body and title, a template, a static file, a new
    // stylesheet, the registry, a new notice, a deleted notice.
    let future = "content/releases/2021-01-15-february-2021-release.md";
    let modcast = "content/releases/2020-06-01-modcast.md";
    let steps: Vec<Step<'_>> = vec![
        (
            "a body edit",
            Box::new(|| {
                let text = replaced(
                    &site,
                    future,
                    "will take effect",
                    "EDITED WHILE BROKEN will take effect",
                );
                site.write(future, &text)
            }),
        ),
        (
            "a title edit",
            Box::new(|| {
                let text = replaced(
                    &site,
                    modcast,
                    "SEC Modcast – June 2020",
                    "RETITLED WHILE BROKEN",
                );
                atomic_save(&site.root.join(modcast), &text)
            }),
        ),
        (
            "a template",
            Box::new(|| {
                let builtin = fs::read_to_string(manifest_dir().join("templates/404.html"))
                    .expect("the built-in 404 template");
                site.write(
                    "templates/404.html",
                    &builtin.replacen(
                        "{% block content %}",
                        "{% block content %}<p>TEMPLATE WHILE BROKEN</p>",
                        1,
                    ),
                )
            }),
        ),
        (
            "a static file",
            Box::new(|| {
                site.write(
                    "static/img/logo.svg",
                    "<svg><title>LOGO WHILE BROKEN</title></svg>\n",
                )
            }),
        ),
        (
            "a stylesheet",
            Box::new(|| site.write("static/style.css", "body { color: rgb(9, 9, 9); }\n")),
        ),
        (
            "a registry edit",
            Box::new(|| {
                let text = replaced(
                    &site,
                    "content/documents.yaml",
                    "\"Security\"",
                    "\"SECURITY WHILE BROKEN\"",
                );
                site.write("content/documents.yaml", &text)
            }),
        ),
        (
            "a new notice",
            Box::new(|| {
                site.write(
                    "content/releases/2020-12-24-added-while-broken.md",
                    &notice("ADDED WHILE BROKEN", "2020-12-24", "Added."),
                )
            }),
        ),
        (
            "a deleted notice",
            Box::new(|| site.remove("content/releases/2020-03-05-ad-hoc-mp300.md")),
        ),
    ];
    for (what, step) in &steps {
        // Each one is its own failed build (the notice is still broken): reload, overlay kept.
        edit_and_wait(&server, &events, what, step);
        assert!(
            server.page("").contains(OVERLAY),
            "still broken after {what}"
        );
    }
    edit_and_wait(&server, &events, "fix", || {
        site.write(NOVEMBER_FILE, &original)
    });
    wait_until(
        "the overlay to clear",
        || (!server.page("").contains(OVERLAY)).then_some(()),
        || server.log(),
    );
    server.wait_for_text(
        "releases/2021-01-15-february-2021-release/",
        "EDITED WHILE BROKEN",
    );
    server.wait_for_text("releases/2020-06-01-modcast/", "RETITLED WHILE BROKEN");
    server.wait_for_text(
        "releases/2020-12-24-added-while-broken/",
        "ADDED WHILE BROKEN",
    );
    server.wait_for_text("documents/", "SECURITY WHILE BROKEN");
    server.wait_for_text("img/logo.svg", "LOGO WHILE BROKEN");
    server.wait_for_text("style.css", "rgb(9, 9, 9)");
    server.wait_for_status("releases/2020-03-05-ad-hoc-mp300/", 404);
    assert!(
        server
            .get("no/page/")
            .text()
            .contains("TEMPLATE WHILE BROKEN")
    );
    assert_serves_a_full_build(
        &server,
        &site,
        "fixed",
        &["releases/2020-03-05-ad-hoc-mp300/"],
    );
}

/// `serve` on a site whose first build fails: there is no last good build to show, so the
/// browser must still be told what is wrong (the overlay), and get the live-reload script so
/// that the fix reloads the tab.
#[test]
fn serve_shows_the_errors_when_the_first_build_fails() {
    let site = Site::fixture("every-kind");
    let original = fs::read_to_string(site.root.join(NOVEMBER_FILE)).expect("read");
    site.write(
        NOVEMBER_FILE,
        &original.replace("date: 2020-11-01", "date: 2020-13-45"),
    );
    let server = Server::start(&site);
    let events = Events::connect(&server);
    let response = server.get("");
    let html = response.text();
    assert!(
        html.contains(OVERLAY) && html.contains("2020-11-01-november-release.md"),
        "the home page of a site whose first build failed shows the errors; got {} {:?}",
        response.status,
        html
    );
    assert!(
        html.contains(SCRIPT_TAG),
        "and has the live-reload script, so that the fix reloads the tab: {html:?}"
    );
    edit_and_wait(&server, &events, "fix", || {
        site.write(NOVEMBER_FILE, &original)
    });
    let page = server.wait_for_text("", "Every Kind");
    assert!(!page.contains(OVERLAY));
}

/// RFC 9110 §13.1.2: If-None-Match compares entity tags weakly, so `W/"x"` matches `"x"`
/// (proxies that compress responses weaken ETags, and browsers send back what they got).
#[test]
fn serve_if_none_match_uses_the_weak_comparison() {
    let site = Site::fixture("every-kind");
    let server = Server::start(&site);
    let etag = server
        .get("robots.txt")
        .header("etag")
        .expect("etag")
        .to_string();
    let weak = format!("W/{etag}");
    let response = server.request("GET", "/sec/robots.txt", &[("If-None-Match", &weak)]);
    assert_eq!(
        response.status, 304,
        "If-None-Match: {weak} against ETag {etag}"
    );
}

/// A folder without its slash redirects to the same path with a slash, still percent-encoded:
/// `Location` is a URI, so it cannot hold raw spaces or non-ASCII bytes.
#[test]
fn serve_redirect_locations_stay_percent_encoded() {
    let site = Site::fixture("every-kind");
    site.write("static/files/a b/index.html", "<p>a b</p>\n");
    site.write(
        "static/files/\u{e9}t\u{e9}/index.html",
        "<p>\u{e9}t\u{e9}</p>\n",
    );
    let server = Server::start(&site);
    assert_eq!(server.get("files/a%20b/").status, 200);
    assert_eq!(server.get("files/%C3%A9t%C3%A9/").status, 200);
    for (target, location) in [
        ("/sec/files/a%20b", "/sec/files/a%20b/"),
        ("/sec/files/%C3%A9t%C3%A9", "/sec/files/%C3%A9t%C3%A9/"),
    ] {
        let response = server.request("GET", target, &[]);
        assert_eq!(response.status, 301, "{target}");
        let got = response.header("location").unwrap_or_default();
        assert!(
            got.eq_ignore_ascii_case(location),
            "{target}: Location {got:?}, expected {location:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Starting and stopping.

#[test]
fn serve_on_a_port_in_use_says_so_and_exits_2() {
    let site = Site::fixture("every-kind");
    let holder = TcpListener::bind("127.0.0.1:0").expect("hold a port");
    let port = holder.local_addr().expect("address").port();
    let mut guard = ChildGuard(Some(
        serve_command(&site, port, &[])
            .spawn()
            .expect("start serve"),
    ));
    let child = guard.0.as_mut().expect("child");
    let status = wait_exit(child, WAIT).expect("serve exits when the port is in use");
    let output = guard
        .0
        .take()
        .expect("child")
        .wait_with_output()
        .expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(status.code(), Some(2), "exit 2\n{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}")) && stderr.contains("in use"),
        "the message names the address and says it is in use: {stderr}"
    );
    assert!(!stdout.contains("Serving"), "{stdout}");
    assert!(!site.root.join("public").exists());
    drop(holder);
}

#[test]
fn serve_stops_cleanly_on_ctrl_c_and_leaves_no_files_behind() {
    let site = Site::fixture("every-kind");
    let mut server = Server::start(&site);
    let events = Events::connect(&server);
    let text = replaced(&site, NOVEMBER_FILE, NOVEMBER_BODY, "Edited before Ctrl-C.");
    edit_and_wait(&server, &events, "edit", || {
        atomic_save(&site.root.join(NOVEMBER_FILE), &text)
    });
    server.wait_for_text(NOVEMBER_PAGE, "Edited before Ctrl-C.");
    // A broken build too: nothing of it may be left either.
    let broken = text.replace("date: 2020-11-01", "date: nope");
    edit_and_wait(&server, &events, "break", || {
        site.write(NOVEMBER_FILE, &broken)
    });
    server.wait_for_text(NOVEMBER_PAGE, OVERLAY);
    let files = files_under(&site.root);

    let status = server.interrupt();
    assert_eq!(status.code(), Some(0), "Ctrl-C exits 0\n{}", server.log());
    // The open event stream was closed by the server, not left hanging.
    events.wait_closed();
    assert_eq!(
        files_under(&site.root),
        files,
        "serve leaves the site folder as it was"
    );
    assert!(
        !site.root.join("public").exists(),
        "serve writes no output folder"
    );
    let leftovers: Vec<String> = files_under(site.tmp())
        .into_iter()
        .filter(|f| !f.starts_with("site/") && f != "site/")
        .collect();
    assert!(
        leftovers.is_empty(),
        "nothing beside the site either: {leftovers:?}"
    );
    let stderr = server.stderr();
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The port is free again.
    TcpListener::bind(server.addr).expect("the port is released");
}

/// Ctrl-C the moment `Serving` is printed, as a script that starts and stops the server does.
/// The signal is sent by a shell's `kill` builtin that is already running and only waits for a
/// line, so it lands within microseconds of the `Serving` line (spawning `kill` would take
/// milliseconds and hide a late signal handler).
#[test]
fn serve_stops_cleanly_on_ctrl_c_right_after_it_starts() {
    let site = Site::fixture("every-kind");
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let mut guard = ChildGuard(Some(
            serve_command(&site, 0, &[]).spawn().expect("start serve"),
        ));
        let child = guard.0.as_mut().expect("child");
        let pid = child.id().to_string();
        let stdout = child.stdout.take().expect("stdout");
        let mut killer = ChildGuard(Some(
            Command::new("sh")
                .args(["-c", "read -r line && kill -INT \"$0\"", &pid])
                .stdin(Stdio::piped())
                .spawn()
                .expect("start sh"),
        ));
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.starts_with("Serving ") => break,
                Ok(_) => {}
                Err(_) => panic!("serve printed no `Serving` line"),
            }
        }
        let killer_child = killer.0.as_mut().expect("sh");
        killer_child
            .stdin
            .as_mut()
            .expect("sh stdin")
            .write_all(b"go\n")
            .expect("tell sh to kill");
        let child = guard.0.as_mut().expect("child");
        let status = wait_exit(child, WAIT).expect("serve exits on SIGINT");
        let _ = wait_exit(killer_child, WAIT);
        statuses.push(status);
    }
    let bad: Vec<String> = statuses
        .iter()
        .filter(|s| s.code() != Some(0))
        .map(ToString::to_string)
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} runs did not exit 0 on a Ctrl-C right after `Serving`: {bad:?}",
        bad.len(),
        statuses.len()
    );
}

// ---------------------------------------------------------------------------------------------
// Load.

#[test]
fn serve_load_test_10000_requests_over_50_keep_alive_connections() {
    const CONNECTIONS: usize = 50;
    const PER_CONNECTION: usize = 200;
    let site = Site::fixture("every-kind");
    let server = Server::start(&site);
    let css_etag = server
        .get("style.css")
        .header("etag")
        .expect("etag")
        .to_string();
    // (method, target, If-None-Match, expected status, expected body length)
    let mut mix: Vec<(&str, String, Option<String>, u16, usize)> = Vec::new();
    for (method, path, etag) in [
        ("GET", "", None),
        ("GET", "releases/", None),
        ("GET", "releases/page/2/", None),
        ("GET", NOVEMBER_PAGE, None),
        ("GET", "modifications/mp100/", None),
        ("GET", "documents/", None),
        ("GET", "style.css", None),
        ("GET", "style.css", Some(css_etag.clone())),
        ("GET", "feed.xml", None),
        ("GET", "img/logo.svg", None),
        ("GET", "no/such/page/", None),
        ("HEAD", "releases/", None),
        ("HEAD", "missing.css", None),
    ] {
        let target = format!("/sec/{path}");
        let headers: Vec<(&str, &str)> = etag
            .as_deref()
            .map(|e| vec![("If-None-Match", e)])
            .unwrap_or_default();
        let response = server.request(method, &target, &headers);
        mix.push((method, target, etag, response.status, response.body.len()));
    }
    let statuses: BTreeSet<u16> = mix.iter().map(|m| m.3).collect();
    assert_eq!(statuses, BTreeSet::from([200, 304, 404]), "{mix:?}");

    let mix = Arc::new(mix);
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let reconnects = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(CONNECTIONS + 1));
    let addr = server.addr;
    let mut threads = Vec::new();
    for thread in 0..CONNECTIONS {
        let (mix, failures, reconnects, done, barrier) = (
            Arc::clone(&mix),
            Arc::clone(&failures),
            Arc::clone(&reconnects),
            Arc::clone(&done),
            Arc::clone(&barrier),
        );
        threads.push(std::thread::spawn(move || {
            barrier.wait();
            let mut connection: Option<(TcpStream, BufReader<TcpStream>)> = None;
            for i in 0..PER_CONNECTION {
                let (method, target, etag, status, length) = &mix[(thread * 7 + i) % mix.len()];
                let result = (|| -> io::Result<Response> {
                    if connection.is_none() {
                        let stream = connect(addr)?;
                        let reader = BufReader::new(stream.try_clone()?);
                        connection = Some((stream, reader));
                    }
                    let (stream, reader) = connection.as_mut().expect("connected");
                    let headers: Vec<(&str, &str)> = etag
                        .as_deref()
                        .map(|e| vec![("If-None-Match", e)])
                        .unwrap_or_default();
                    write_request(stream, addr, method, target, &headers, true)?;
                    read_response(reader, *method == "HEAD")
                })();
                match result {
                    Ok(response) => {
                        if response.status != *status || response.body.len() != *length {
                            failures.lock().expect("failures").push(format!(
                                "{method} {target}: {} with {} bytes, expected {status} with {length}",
                                response.status,
                                response.body.len()
                            ));
                        }
                        if response
                            .header("connection")
                            .is_some_and(|c| c.eq_ignore_ascii_case("close"))
                        {
                            connection = None;
                            reconnects.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    Err(error) => {
                        failures
                            .lock()
                            .expect("failures")
                            .push(format!("{method} {target}: {error}"));
                        connection = None;
                    }
                }
                done.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    barrier.wait();
    let started = Instant::now();
    for thread in threads {
        thread.join().expect("a load thread panicked");
    }
    let elapsed = started.elapsed();
    let total = done.load(Ordering::SeqCst);
    let failures = failures.lock().expect("failures");
    eprintln!(
        "load test: {total} requests over {CONNECTIONS} keep-alive connections in {:.2} s \
         ({:.0} requests/s), {} failed, {} reconnects",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        failures.len(),
        reconnects.load(Ordering::SeqCst)
    );
    assert_eq!(total, CONNECTIONS * PER_CONNECTION);
    assert!(
        failures.is_empty(),
        "{} of {total} requests failed; the first:\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Still serving afterwards.
    assert_eq!(server.get("").status, 200);
}

// ---------------------------------------------------------------------------------------------
// A real browser.

/// What installs the browser test's tools (Debian): the README and CI use the same lines.
const BROWSER_SETUP: &str = "apt-get install -y chromium nodejs npm && \
     (cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund)";

#[test]
fn browser_live_reload() {
    let folder = manifest_dir().join("tests").join("browser");
    let script = folder.join("live-reload.mjs");
    assert!(script.is_file(), "no {}", script.display());
    assert!(
        folder.join("node_modules").join("playwright-core").is_dir(),
        "playwright-core is not installed; run: {BROWSER_SETUP}"
    );
    let child = Command::new("node")
        .arg(&script)
        .env("SECSITE_BIN", env!("CARGO_BIN_EXE_secsite"))
        .env("SECSITE_FIXTURE", crate::harness::fixture_dir("every-kind"))
        .env("SECSITE_TMP", env!("CARGO_TARGET_TMPDIR"))
        .current_dir(&folder)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node ({e}); run: {BROWSER_SETUP}"));
    let mut guard = ChildGuard(Some(child));
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let stderr = Arc::new(Mutex::new(Vec::new()));
    {
        let child = guard.0.as_mut().expect("child");
        collect_lines(child.stdout.take().expect("stdout"), Arc::clone(&stdout));
        collect_lines(child.stderr.take().expect("stderr"), Arc::clone(&stderr));
    }
    let child = guard.0.as_mut().expect("child");
    let status = wait_exit(child, Duration::from_secs(120));
    // Let the reader threads take the last lines.
    std::thread::sleep(Duration::from_millis(100));
    let out = stdout.lock().expect("stdout").join("\n");
    let err = stderr.lock().expect("stderr").join("\n");
    let status = status.unwrap_or_else(|| {
        panic!("the browser test did not finish within 120 s\n--- stdout\n{out}\n--- stderr\n{err}")
    });
    assert!(
        status.success(),
        "the browser test failed ({status}); tools: {BROWSER_SETUP}\n--- stdout\n{out}\n--- stderr\n{err}"
    );
    assert!(
        out.lines().any(|l| l.ends_with(" passed, 0 failed")),
        "the browser test printed no summary\n{out}"
    );
}
