//! file: reading a file the user names (a model, a CA bundle, a pgpass file), bounded: only
//! regular files are opened (a FIFO would block, a device such as /dev/zero never ends), and at
//! most the limit is read whatever the file claims its size is.

use std::io::Read;
use std::path::Path;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("it is larger than {} MiB", .limit / (1024 * 1024))]
    TooLarge { limit: u64 },
    #[error("it is not a regular file but {0}: mlgrant reads only regular files")]
    NotRegular(&'static str),
}

fn kind(t: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// The bytes of the regular file at `path`, at most `limit` of them.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let meta = std::fs::metadata(path)?;
    if !meta.file_type().is_file() {
        return Err(FileError::NotRegular(kind(meta.file_type())));
    }
    if meta.len() > limit {
        return Err(FileError::TooLarge { limit });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge { limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_fifos_are_refused_and_files_are_bounded() {
        let e = read_bounded(Path::new("/dev/zero"), 1024).unwrap_err();
        assert!(e.to_string().contains("a character device"), "{e}");
        let dir = std::env::temp_dir().join(format!("mlgrant-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let e = read_bounded(&fifo, 1024).unwrap_err();
            assert!(e.to_string().contains("a FIFO"), "{e}");
        }
        let big = dir.join("big");
        std::fs::write(&big, vec![b'x'; 2048]).unwrap();
        assert!(matches!(
            read_bounded(&big, 1024),
            Err(FileError::TooLarge { .. })
        ));
        assert_eq!(read_bounded(&big, 4096).unwrap().len(), 2048);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
