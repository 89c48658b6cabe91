//! Writing a rendered site to the output folder: everything goes to a temporary folder beside the
//! output, which is then swapped in, so a failed write leaves the previous output as it was and a
//! good one leaves no stale file.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Refuses output folders whose replacement would destroy the site's sources.
pub fn check_output_location(root: &Path, output: &Path) -> Result<()> {
    let root = absolute(root)?;
    let output = absolute(output)?;
    if root.starts_with(&output) {
        bail!(
            "refusing to write the site to {}: it contains the site folder, which would be replaced",
            output.display()
        );
    }
    for source in ["content", "templates", "static", "secsite.yaml"] {
        if output.starts_with(root.join(source)) {
            bail!(
                "refusing to write the site to {}: it is inside the site's {source}",
                output.display()
            );
        }
    }
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf> {
    let absolute =
        std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))?;
    // Resolve links in the longest existing prefix, so two spellings of a folder compare equal.
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut resolved = fs::canonicalize(existing).unwrap_or_else(|_| existing.to_path_buf());
    resolved.extend(rest.iter().rev());
    Ok(resolved)
}

/// A folder beside the output that a build writes into; `commit` swaps it in place of the
/// output, `discard` (or dropping it) removes it and leaves the output as it was.
pub struct Staging {
    output: PathBuf,
    staging: PathBuf,
    retired: PathBuf,
    done: bool,
}

impl Staging {
    /// Creates an empty staging folder beside `output`.
    pub fn create(output: &Path) -> Result<Staging> {
        let output = std::path::absolute(output)
            .with_context(|| format!("cannot resolve the output folder {}", output.display()))?;
        let parent = output
            .parent()
            .with_context(|| {
                format!(
                    "the output folder {} has no parent folder",
                    output.display()
                )
            })?
            .to_path_buf();
        let name = output
            .file_name()
            .with_context(|| format!("the output folder {} has no name", output.display()))?
            .to_string_lossy()
            .into_owned();
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let staging = parent.join(format!(".{name}.secsite-new-{}", std::process::id()));
        let retired = parent.join(format!(".{name}.secsite-old-{}", std::process::id()));
        remove_if_present(&staging)?;
        remove_if_present(&retired)?;
        fs::create_dir(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
        Ok(Staging {
            output,
            staging,
            retired,
            done: false,
        })
    }

    /// The folder to write into.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Puts the staged site in place of the output, and removes the previous output.
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        let had_output = self.output.exists();
        if had_output && let Err(error) = fs::rename(&self.output, &self.retired) {
            let _ = fs::remove_dir_all(&self.staging);
            return Err(error).with_context(|| {
                format!(
                    "cannot move the previous output {} aside",
                    self.output.display()
                )
            });
        }
        if let Err(error) = fs::rename(&self.staging, &self.output) {
            if had_output {
                let _ = fs::rename(&self.retired, &self.output);
            }
            let _ = fs::remove_dir_all(&self.staging);
            return Err(error).with_context(|| {
                format!("cannot move the new site into {}", self.output.display())
            });
        }
        if had_output {
            fs::remove_dir_all(&self.retired).with_context(|| {
                format!(
                    "cannot remove the previous output, left at {}",
                    self.retired.display()
                )
            })?;
        }
        Ok(())
    }

    /// Removes the staged files; the output stays as it was.
    pub fn discard(mut self) {
        self.done = true;
        let _ = fs::remove_dir_all(&self.staging);
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error).with_context(|| format!("cannot remove {}", path.display())),
    }
}
