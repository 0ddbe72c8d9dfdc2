//! A small disk of a test's own: a tmpfs mounted for it (as root, the way
//! `cargo xtask test` runs), to fill up and free again.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};

/// A tmpfs of a few MiB on a fresh directory, unmounted when dropped.
#[derive(Debug)]
pub struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts `bytes` of tmpfs.
    pub fn mount(bytes: u64) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes},mode=0700")])
            .arg("aicc-small-disk")
            .arg(dir.path())
            .status()
            .context("cannot run mount")?;
        if !status.success() {
            bail!(
                "cannot mount a small tmpfs on {}: this test needs root, as `cargo xtask test` runs",
                dir.path().display()
            );
        }
        Ok(Self { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills what is left of the disk with one file.
    pub fn fill(&self) -> anyhow::Result<()> {
        let mut filler = std::fs::File::create(self.filler())?;
        let chunk = vec![0u8; 64 * 1024];
        loop {
            match filler.write(&chunk) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => return Err(e.into()),
            }
        }
        // Whatever is left is smaller than a chunk.
        let small = [0u8; 512];
        while filler.write(&small).is_ok_and(|n| n > 0) {}
        Ok(())
    }

    /// Frees the space [`SmallDisk::fill`] took.
    pub fn free(&self) -> anyhow::Result<()> {
        Ok(std::fs::remove_file(self.filler())?)
    }

    fn filler(&self) -> std::path::PathBuf {
        self.dir.path().join("filler")
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}
