//! Writing a rendered site to the output folder: everything goes to a temporary folder beside the
//! output, which is then swapped in, so a failed write leaves the previous output as it was and a
//! good one leaves no stale file.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use crate::render::RenderedSite;

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

/// Writes `site` into `output`, replacing what was there only once every file is written.
pub fn write_site(site: &RenderedSite, output: &Path) -> Result<()> {
    let output = std::path::absolute(output)
        .with_context(|| format!("cannot resolve the output folder {}", output.display()))?;
    let parent = output.parent().with_context(|| {
        format!(
            "the output folder {} has no parent folder",
            output.display()
        )
    })?;
    let name = output
        .file_name()
        .with_context(|| format!("the output folder {} has no name", output.display()))?
        .to_string_lossy()
        .into_owned();
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = parent.join(format!(".{name}.secsite-new-{}", std::process::id()));
    let retired = parent.join(format!(".{name}.secsite-old-{}", std::process::id()));
    remove_if_present(&staging)?;
    remove_if_present(&retired)?;

    if let Err(error) = write_tree(site, &staging) {
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    let had_output = output.exists();
    if had_output && let Err(error) = fs::rename(&output, &retired) {
        let _ = fs::remove_dir_all(&staging);
        return Err(error).with_context(|| {
            format!("cannot move the previous output {} aside", output.display())
        });
    }
    if let Err(error) = fs::rename(&staging, &output) {
        if had_output {
            let _ = fs::rename(&retired, &output);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(error)
            .with_context(|| format!("cannot move the new site into {}", output.display()));
    }
    if had_output {
        fs::remove_dir_all(&retired).with_context(|| {
            format!(
                "cannot remove the previous output, left at {}",
                retired.display()
            )
        })?;
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error).with_context(|| format!("cannot remove {}", path.display())),
    }
}

fn write_tree(site: &RenderedSite, dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let folders: std::collections::BTreeSet<PathBuf> = site
        .files
        .keys()
        .filter_map(|p| Path::new(p).parent().map(Path::to_path_buf))
        .collect();
    for folder in folders {
        let path = dir.join(folder);
        fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
    }
    site.files.par_iter().try_for_each(|(relative, bytes)| {
        let path = dir.join(relative);
        fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    })
}
