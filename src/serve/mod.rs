//! `secsite serve`: builds the site in memory, serves it on 127.0.0.1, watches the site folder and
//! rebuilds on every change, reloading the open tabs once the new build is in place. A failed
//! rebuild keeps the last good site and shows its errors over every page.

pub mod http;
pub mod watch;

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::sync::broadcast;

use crate::config::Config;
use crate::diag::Diagnostics;
use crate::site::{BuildFailure, BuildOptions, SiteBuilder};
use http::{Reload, ServerState, Snapshot};
use watch::{ChangeBatch, SiteWatcher};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// What to build; its `base_url` is replaced by the server's own address.
    pub build: BuildOptions,
    /// The address to bind.
    pub bind: IpAddr,
    /// The port; 0 picks a free one.
    pub port: u16,
    /// How long to wait for more changes before rebuilding.
    pub debounce: Duration,
}

/// What the server reports as it runs; the command line prints it.
pub trait ServeReporter: Send + Sync {
    /// The server is listening at `url`.
    fn listening(&self, url: &str);
    /// A build succeeded: pages rendered, pages in the site, time, and its warnings.
    fn built(&self, rendered: usize, pages: usize, elapsed: Duration, warnings: &Diagnostics);
    /// A build failed; the last good site, if there is one, is still served.
    fn failed(&self, diagnostics: &Diagnostics, serving_last_good: bool);
    /// A build could not run (a folder vanished, a file could not be read).
    fn environment_error(&self, error: &anyhow::Error);
}

/// A running dev server: its address, and a handle to stop it.
pub struct DevServer {
    address: SocketAddr,
    base_path: String,
    stop: Arc<AtomicBool>,
    http_thread: Option<std::thread::JoinHandle<Result<()>>>,
    state: ServerState,
    builder: SiteBuilder,
    watcher: SiteWatcher,
}

impl DevServer {
    /// Binds the address, builds the site once and starts serving it. A port in use is an error.
    pub fn start(options: ServeOptions, reporter: &dyn ServeReporter) -> Result<DevServer> {
        let listener = TcpListener::bind((options.bind, options.port)).with_context(|| {
            format!(
                "cannot listen on {}:{} (is the port in use?)",
                options.bind, options.port
            )
        })?;
        listener
            .set_nonblocking(true)
            .context("cannot configure the listening socket")?;
        let address = listener
            .local_addr()
            .context("cannot read the listening address")?;
        let root = options.build.root.clone();
        // Serve under the path of the configured base_url, so links behave as when hosted.
        let base_path = Config::load(&root)
            .map(|c| c.base_path)
            .unwrap_or_else(|_| "/".to_string());
        let mut build_options = options.build.clone();
        build_options.base_url = Some(format!("http://{address}{base_path}"));

        let (reloads, _) = broadcast::channel(64);
        let (stopping_sender, stopping) = tokio::sync::watch::channel(false);
        let state = ServerState {
            stopping,
            snapshot: Arc::new(RwLock::new(Arc::new(Snapshot {
                base_path: base_path.clone(),
                ..Snapshot::default()
            }))),
            reloads,
        };
        let watcher = SiteWatcher::start(&root, Some(PathBuf::from("public")), options.debounce)?;
        let mut server = DevServer {
            address,
            base_path,
            stop: Arc::new(AtomicBool::new(false)),
            http_thread: None,
            state,
            builder: SiteBuilder::new(build_options),
            watcher,
        };
        server.rebuild(&ChangeBatch::default(), reporter, true);
        server.http_thread = Some(spawn_http(
            listener,
            server.state.clone(),
            Arc::clone(&server.stop),
            stopping_sender,
        )?);
        reporter.listening(&server.url());
        Ok(server)
    }

    /// The URL of the site's home page.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.address, self.base_path)
    }

    /// A flag that stops the server when set (Ctrl-C sets it).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// Watches and rebuilds until stopped.
    pub fn run(mut self, reporter: &dyn ServeReporter) -> Result<()> {
        while !self.stop.load(Ordering::SeqCst) {
            let batch = match self.watcher.next_batch(Duration::from_millis(200)) {
                Ok(batch) => batch,
                Err(error) => {
                    reporter.environment_error(&error);
                    break;
                }
            };
            if !batch.is_empty() {
                self.rebuild(&batch, reporter, false);
            }
        }
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.http_thread.take() {
            match thread.join() {
                Ok(result) => result?,
                Err(_) => anyhow::bail!("the HTTP server thread panicked"),
            }
        }
        Ok(())
    }

    fn rebuild(&mut self, batch: &ChangeBatch, reporter: &dyn ServeReporter, first: bool) {
        let started = Instant::now();
        let paths: Vec<PathBuf> = batch.changes.iter().map(|(p, _)| p.clone()).collect();
        let result = if first {
            self.builder.build_all()
        } else {
            self.builder.build_changed(&paths)
        };
        let previous = self.state.current_snapshot();
        let (snapshot, reload) = match result {
            Ok(build) => {
                reporter.built(
                    build.rendered,
                    build.site.page_count(),
                    started.elapsed(),
                    &build.diagnostics,
                );
                let reload = if batch.only_stylesheets() && previous.errors.is_none() {
                    Reload::Css
                } else {
                    Reload::Page
                };
                (
                    Snapshot {
                        site: build.site,
                        errors: None,
                        base_path: self.base_path.clone(),
                    },
                    reload,
                )
            }
            Err(BuildFailure::Content(diagnostics)) => {
                reporter.failed(&diagnostics, self.builder.last_site().is_some());
                let text = diagnostics
                    .clone()
                    .sorted()
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n");
                (
                    Snapshot {
                        site: Arc::clone(&previous.site),
                        errors: Some(text),
                        base_path: self.base_path.clone(),
                    },
                    Reload::Page,
                )
            }
            Err(BuildFailure::Environment(error)) => {
                reporter.environment_error(&error);
                (
                    Snapshot {
                        site: Arc::clone(&previous.site),
                        errors: Some(format!("error: {error:#}")),
                        base_path: self.base_path.clone(),
                    },
                    Reload::Page,
                )
            }
        };
        // Swap first, then tell the tabs: a reload always fetches the new build.
        self.state.replace_snapshot(snapshot);
        let _ = self.state.reloads.send(reload);
    }
}

fn spawn_http(
    listener: TcpListener,
    state: ServerState,
    stop: Arc<AtomicBool>,
    stopping: tokio::sync::watch::Sender<bool>,
) -> Result<std::thread::JoinHandle<Result<()>>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .context("cannot start the HTTP runtime")?;
    // Register for Ctrl-C now, before the server says it is listening: a signal that arrives
    // before the HTTP thread first runs must still stop it cleanly.
    let interrupt = {
        let _guard = runtime.enter();
        Interrupt::register()?
    };
    let thread = std::thread::Builder::new()
        .name("secsite-http".to_string())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)
                    .context("cannot serve on the socket")?;
                let shutdown_flag = Arc::clone(&stop);
                let shutdown = async move {
                    let ctrl_c = interrupt.recv();
                    let stopped = async {
                        while !shutdown_flag.load(Ordering::SeqCst) {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    };
                    tokio::select! {
                        _ = ctrl_c => {},
                        _ = stopped => {},
                    }
                    shutdown_flag.store(true, Ordering::SeqCst);
                    let _ = stopping.send(true);
                };
                axum::serve(listener, http::router(state))
                    .with_graceful_shutdown(shutdown)
                    .await
                    .context("the HTTP server failed")
            })
        })
        .context("cannot start the HTTP thread")?;
    Ok(thread)
}

/// The Ctrl-C (and, on Unix, SIGTERM) signal, registered as soon as it is created.
struct Interrupt {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Interrupt {
    fn register() -> Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Interrupt {
                interrupt: signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?,
                terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Interrupt {})
        }
    }

    async fn recv(mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {},
                _ = self.terminate.recv() => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
