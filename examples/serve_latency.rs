//! Edit-to-reload latency of `secsite serve`: the time from saving a notice to the `reload` event
//! reaching a live-reload client, on a site folder that this program is free to edit (a scratch
//! copy: `bench/serve_latency.sh` makes one of a generated corpus and runs this on it).
//!
//! ```sh
//! cargo build --release --bin secsite --example serve_latency
//! target/release/examples/serve_latency --bin target/release/secsite --site /dev/shm/copy \
//!     [--runs 30] [--as-of 2026-11-29] [--save atomic|inplace] [--pause-ms 300]
//! ```
//!
//! It starts `secsite serve --port 0` on the site, subscribes to `/__secsite/events` like the
//! injected script does, then, for each of `--runs` notices spread over the whole corpus:
//!
//! - body: appends a sentence to the notice's body (first paragraph untouched, so the summary
//!   and every other page stay as they were);
//! - title: changes the notice's title (which shows on listings, neighbours' pages, modification
//!   and document pages, the feed).
//!
//! Each edit is saved like an editor does (`--save atomic`: temporary file renamed over the
//! notice; `inplace`: truncate and write). The clock starts just before the save and stops when
//! the `reload` event is read from the socket; the served page is then checked for the edit (not
//! timed). Between edits the program pauses (`--pause-ms`) so that each edit is its own build.
//! Reports median, p10, p90, min, max and the server's own build times, and the load average.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

struct Options {
    bin: PathBuf,
    site: PathBuf,
    runs: usize,
    as_of: String,
    atomic: bool,
    pause: Duration,
}

fn parse_options() -> Result<Options> {
    let mut options = Options {
        bin: PathBuf::from("target/release/secsite"),
        site: PathBuf::new(),
        runs: 30,
        as_of: "2026-11-29".to_string(),
        atomic: true,
        pause: Duration::from_millis(300),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--bin" => options.bin = PathBuf::from(value()?),
            "--site" => options.site = PathBuf::from(value()?),
            "--runs" => options.runs = value()?.parse().context("--runs")?,
            "--as-of" => options.as_of = value()?,
            "--save" => {
                options.atomic = match value()?.as_str() {
                    "atomic" => true,
                    "inplace" => false,
                    other => bail!("--save atomic|inplace, not {other}"),
                }
            }
            "--pause-ms" => {
                options.pause = Duration::from_millis(value()?.parse().context("--pause-ms")?)
            }
            other => bail!("unknown argument {other}"),
        }
    }
    if options.site.as_os_str().is_empty() {
        bail!("--site DIR is required (a scratch copy: it is edited)");
    }
    Ok(options)
}

/// Kills the server when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    base: String,
    stdout: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(options: &Options) -> Result<Server> {
    let mut child = Command::new(&options.bin)
        .args(["serve", "--root"])
        .arg(&options.site)
        .args(["--port", "0", "--as-of", &options.as_of])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot run {}", options.bin.display()))?;
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let lines = Arc::clone(&stdout);
    let pipe = child.stdout.take().context("stdout")?;
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            lines.lock().expect("lines").push((Instant::now(), line));
        }
    });
    let mut server = Server {
        child,
        addr: "127.0.0.1:1".parse()?,
        base: String::new(),
        stdout,
    };
    let deadline = Instant::now() + Duration::from_secs(600);
    let url = loop {
        let found = server
            .stdout
            .lock()
            .expect("lines")
            .iter()
            .find_map(|(_, l)| l.strip_prefix("Serving ").map(str::to_string));
        if let Some(rest) = found {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
        if let Some(status) = server.child.try_wait()? {
            bail!("serve exited with {status} before listening");
        }
        if Instant::now() > deadline {
            bail!("serve did not listen within 10 minutes");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let rest = url.strip_prefix("http://").context("an http URL")?;
    let slash = rest.find('/').context("a path")?;
    server.addr = rest[..slash].parse()?;
    server.base = rest[slash..].to_string();
    Ok(server)
}

/// Reads the event stream in a thread: (event name, when it was read).
fn subscribe(addr: SocketAddr) -> Result<(TcpStream, Receiver<(String, Instant)>)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    write!(
        stream,
        "GET /__secsite/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    )?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        // Headers, then chunked SSE: the `event:` lines are all this needs.
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if let Some(name) = line.trim_end().strip_prefix("event:") {
                let now = Instant::now();
                if sender.send((name.trim().to_string(), now)).is_err() {
                    return;
                }
            }
        }
    });
    let (first, _) = receiver
        .recv_timeout(Duration::from_secs(30))
        .context("no hello event")?;
    if first != "hello" {
        bail!("the first event is {first}, not hello");
    }
    Ok((stream, receiver))
}

fn get(addr: SocketAddr, target: &str) -> Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(text)
}

fn save(path: &Path, text: &str, atomic: bool) -> Result<()> {
    if atomic {
        let name = path.file_name().context("file name")?.to_string_lossy();
        let temporary = path.with_file_name(format!(".{name}.latency-save"));
        std::fs::write(&temporary, text)?;
        std::fs::rename(&temporary, path)?;
    } else {
        std::fs::write(path, text)?;
    }
    Ok(())
}

/// `Built N pages (M rendered) in X ms` → (M, X).
fn parse_built(line: &str) -> Option<(usize, u64)> {
    let rest = line.strip_prefix("Built ")?;
    let open = rest.find('(')?;
    let rendered = rest[open + 1..].split_whitespace().next()?.parse().ok()?;
    let ms = rest
        .rsplit(" in ")
        .next()?
        .strip_suffix(" ms")?
        .parse()
        .ok()?;
    Some((rendered, ms))
}

struct Sample {
    latency: Duration,
    build_ms: Option<u64>,
    rendered: Option<usize>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn report(label: &str, samples: &[Sample]) {
    let mut ms: Vec<f64> = samples
        .iter()
        .map(|s| s.latency.as_secs_f64() * 1000.0)
        .collect();
    ms.sort_by(f64::total_cmp);
    let mut builds: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.build_ms.map(|b| b as f64))
        .collect();
    builds.sort_by(f64::total_cmp);
    let mut rendered: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.rendered.map(|r| r as f64))
        .collect();
    rendered.sort_by(f64::total_cmp);
    println!(
        "{label}: n={} median {:.1} ms, p10 {:.1}, p90 {:.1}, min {:.1}, max {:.1} \
         (server build: median {:.0} ms, pages rendered: median {:.0})",
        ms.len(),
        median(&ms),
        percentile(&ms, 10.0),
        percentile(&ms, 90.0),
        ms[0],
        ms[ms.len() - 1],
        if builds.is_empty() {
            f64::NAN
        } else {
            median(&builds)
        },
        if rendered.is_empty() {
            f64::NAN
        } else {
            median(&rendered)
        },
    );
    println!(
        "{label}: all (ms): {}",
        samples
            .iter()
            .map(|s| format!("{:.1}", s.latency.as_secs_f64() * 1000.0))
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// Busy CPU ticks of the whole machine (all but idle and iowait), from /proc/stat.
fn machine_busy_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else {
        return 0;
    };
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: u64 = fields.iter().take(8).sum();
    total - fields.get(3).copied().unwrap_or(0) - fields.get(4).copied().unwrap_or(0)
}

/// CPU ticks (user + system) used by process `pid` so far.
fn process_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let after = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    field(11) + field(12)
}

/// The CPU time that the rest of the machine used while a phase ran: near zero when the
/// measurement had the machine to itself.
struct Contention {
    started: Instant,
    machine: u64,
    own: u64,
    server_pid: String,
}

impl Contention {
    fn start(server: &Server) -> Contention {
        let server_pid = server.child.id().to_string();
        Contention {
            started: Instant::now(),
            machine: machine_busy_ticks(),
            own: process_ticks("self") + process_ticks(&server_pid),
            server_pid,
        }
    }

    /// Other processes' CPU use over the phase, in cores (1.0 = one core busy all along).
    fn other_cores(&self) -> f64 {
        let ticks_per_second = 100.0; // USER_HZ on Linux
        let machine = machine_busy_ticks().saturating_sub(self.machine);
        let own =
            (process_ticks("self") + process_ticks(&self.server_pid)).saturating_sub(self.own);
        machine.saturating_sub(own) as f64 / ticks_per_second / self.started.elapsed().as_secs_f64()
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// One timed edit: returns the sample once the served page shows `expect`.
fn timed_edit(
    server: &Server,
    events: &Receiver<(String, Instant)>,
    path: &Path,
    text: &str,
    atomic: bool,
    page: &str,
    expect: &str,
) -> Result<Sample> {
    // Nothing stale may count.
    while events.try_recv().is_ok() {}
    let lines_before = server.stdout.lock().expect("lines").len();
    let started = Instant::now();
    save(path, text, atomic)?;
    let arrived = loop {
        let (name, at) = events
            .recv_timeout(Duration::from_secs(60))
            .context("no reload within 60 s")?;
        if name == "reload" {
            break at;
        }
    };
    let latency = arrived.duration_since(started);
    let served = get(server.addr, page)?;
    if !served.contains(expect) {
        bail!("after the reload, {page} does not show {expect:?}");
    }
    let built = server.stdout.lock().expect("lines")[lines_before..]
        .iter()
        .find_map(|(_, l)| parse_built(l));
    Ok(Sample {
        latency,
        build_ms: built.map(|b| b.1),
        rendered: built.map(|b| b.0),
    })
}

fn main() -> Result<()> {
    let options = parse_options()?;
    let releases = options.site.join("content").join("releases");
    let mut notices: Vec<PathBuf> = std::fs::read_dir(&releases)
        .with_context(|| format!("cannot read {}", releases.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    notices.sort();
    if notices.len() < options.runs {
        bail!("{} notices, fewer than --runs", notices.len());
    }
    println!(
        "serve_latency: {} notices in {}, {} runs, {} saves, load average {}",
        notices.len(),
        options.site.display(),
        options.runs,
        if options.atomic { "atomic" } else { "in-place" },
        loadavg()
    );
    let started = Instant::now();
    let server = start(&options)?;
    let first_build = server
        .stdout
        .lock()
        .expect("lines")
        .iter()
        .find_map(|(_, l)| l.starts_with("Built ").then(|| l.clone()))
        .unwrap_or_default();
    println!(
        "serve listening after {:.2} s ({first_build})",
        started.elapsed().as_secs_f64()
    );
    let (_stream, events) = subscribe(server.addr)?;
    std::thread::sleep(options.pause);

    let step = notices.len() / options.runs;
    let chosen: Vec<&PathBuf> = (0..options.runs)
        .map(|i| &notices[i * step + step / 2])
        .collect();
    let slug = |p: &Path| {
        p.file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    };

    let contention = Contention::start(&server);
    let mut body = Vec::new();
    for (i, path) in chosen.iter().enumerate() {
        let text = std::fs::read_to_string(path)?;
        let sentence = format!("Latency probe sentence number {i}.");
        let edited = format!("{}\n\n{sentence}\n", text.trim_end());
        let page = format!("{}releases/{}/", server.base, slug(path));
        body.push(timed_edit(
            &server,
            &events,
            path,
            &edited,
            options.atomic,
            &page,
            &sentence,
        )?);
        std::thread::sleep(options.pause);
    }
    let body_other = contention.other_cores();
    let contention = Contention::start(&server);
    let mut title = Vec::new();
    for (i, path) in chosen.iter().enumerate() {
        let text = std::fs::read_to_string(path)?;
        let line = text
            .lines()
            .find(|l| l.starts_with("title: "))
            .context("a title line")?
            .to_string();
        let new_title = format!("Latency probe title {i}");
        let edited = text.replacen(&line, &format!("title: \"{new_title}\""), 1);
        let page = format!("{}releases/{}/", server.base, slug(path));
        title.push(timed_edit(
            &server,
            &events,
            path,
            &edited,
            options.atomic,
            &page,
            &new_title,
        )?);
        std::thread::sleep(options.pause);
    }
    let title_other = contention.other_cores();
    report("body edit -> reload", &body);
    println!("body edits: other processes used {body_other:.2} cores meanwhile");
    report("title edit -> reload", &title);
    println!("title edits: other processes used {title_other:.2} cores meanwhile");
    println!("load average after: {}", loadavg());
    Ok(())
}
