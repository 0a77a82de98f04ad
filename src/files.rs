//! Reading and writing a user's files natively without losing one or running out of memory:
//! reads are capped before the bytes arrive (a symlink to `/dev/zero` is an error, not an
//! out-of-memory kill), and writes go to a temporary file beside the target that is renamed over
//! it only once every byte is on disk (a full disk or a kill leaves the old file as it was).

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error("not a regular file")]
    NotAFile,
    #[error("the file is {size} bytes, more than the {cap} bytes read at most here")]
    TooLarge { size: u64, cap: u64 },
}

/// A file's bytes, refused if it is not a regular file or holds more than `cap` bytes, before
/// more than `cap + 1` bytes are read.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    let mut bytes = Vec::with_capacity(meta.len().min(cap) as usize);
    // One byte past the cap is enough to know the file is too large, even if it grew.
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge {
            size: meta.len().max(bytes.len() as u64),
            cap,
        });
    }
    Ok(bytes)
}

/// Writes `bytes` to `path` through a temporary file in the same folder, flushed to disk and then
/// renamed into place: `path` holds either its old bytes or all the new ones, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = temporary(path)?;
    let written = File::create_new(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let result = written.and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Checks, before long work, that [`write_atomic`] can create its file beside `path`: the folder
/// exists and takes new files, and `path` is not a folder.
pub fn check_writable(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a folder",
        ));
    }
    let temp = temporary(path)?;
    File::create_new(&temp)?;
    fs::remove_file(&temp)
}

/// A hidden name beside `path`, unique to this process.
fn temporary(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let mut temp = std::ffi::OsString::from(".");
    temp.push(name);
    temp.push(format!(".{}.tmp", std::process::id()));
    Ok(path.with_file_name(temp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("mnist-lab-files-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_write_replaces_the_file_whole_or_not_at_all() {
        let dir = scratch("atomic");
        let path = dir.join("model.bpk");
        fs::write(&path, b"old").unwrap();
        write_atomic(&path, b"new bytes").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new bytes");
        // A rename that fails (a folder in the way) leaves the folder and no temporary file.
        let blocked = dir.join("blocked");
        fs::create_dir_all(blocked.join("inside")).unwrap();
        assert!(write_atomic(&blocked, b"x").is_err());
        assert!(blocked.join("inside").is_dir());
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 2);
    }

    #[test]
    fn reads_stop_at_the_cap() {
        let dir = scratch("capped");
        let path = dir.join("data");
        fs::write(&path, [7u8; 100]).unwrap();
        assert_eq!(read_capped(&path, 100).unwrap().len(), 100);
        assert!(matches!(
            read_capped(&path, 99),
            Err(ReadError::TooLarge { size: 100, cap: 99 })
        ));
        assert!(matches!(
            read_capped(Path::new("/dev/zero"), 10),
            Err(ReadError::NotAFile)
        ));
        assert!(check_writable(&dir.join("missing/x")).is_err());
        check_writable(&path).unwrap();
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
    }
}
