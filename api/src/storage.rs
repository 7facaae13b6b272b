//! Where attachment bytes live: a small trait so an S3-compatible store can
//! be added beside the default, a directory on local disk (by default
//! `data/attachments`, beside the SQLite file). Keys are random hex made
//! here, never a user's file name, so no key can leave the directory.

use std::io;
use std::path::PathBuf;

/// A place to keep files by key.
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `bytes` under `key` (a new key: nothing is overwritten).
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()>;
    fn get(&self, key: &str) -> io::Result<Vec<u8>>;
    /// Removes `key`; a missing key is not an error.
    fn delete(&self, key: &str) -> io::Result<()>;
}

/// Files in a directory, two levels of fan-out by the key's first characters.
#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    /// A store under `root` (created when first written).
    pub fn new(root: impl Into<PathBuf>) -> LocalDisk {
        LocalDisk { root: root.into() }
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        let safe = key.len() >= 8 && key.bytes().all(|b| b.is_ascii_hexdigit());
        if !safe {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "a blob key is hex"));
        }
        Ok(self.root.join(&key[..2]).join(&key[2..4]).join(key))
    }
}

impl BlobStore for LocalDisk {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // written aside and renamed, so a reader never sees half a file
        let partial = path.with_extension("partial");
        std::fs::write(&partial, bytes)?;
        std::fs::rename(&partial, &path)
    }

    fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.path(key)?)
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}
