//! Test support for the price tests: deterministic synthetic `.crate` files and an independent
//! git oracle (system `tar` to unpack, `git diff --numstat` to count, our own small parser).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One tar entry of a synthetic crate.
pub enum Entry {
    File(String, Vec<u8>),
    Dir(String),
    Symlink(String, String),
    HardLink(String, String),
    /// Raw name bytes written straight into the header, bypassing tar's own path checks.
    RawFile(Vec<u8>, Vec<u8>),
}

pub fn file(path: &str, content: impl AsRef<[u8]>) -> Entry {
    Entry::File(path.to_owned(), content.as_ref().to_vec())
}

/// A gzip tar with fixed mtime/uid/mode, so the bytes (and their checksum) are deterministic.
pub fn build_crate(entries: &[Entry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        match entry {
            Entry::File(path, content) => {
                header.set_mode(0o644);
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(content.len() as u64);
                builder
                    .append_data(&mut header, path, content.as_slice())
                    .unwrap();
            }
            Entry::Dir(path) => {
                header.set_mode(0o755);
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                builder.append_data(&mut header, path, &[][..]).unwrap();
            }
            Entry::Symlink(path, target) | Entry::HardLink(path, target) => {
                header.set_mode(0o777);
                header.set_entry_type(if matches!(entry, Entry::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                header.set_size(0);
                builder.append_link(&mut header, path, target).unwrap();
            }
            Entry::RawFile(name, content) => {
                header.set_mode(0o644);
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(content.len() as u64);
                let gnu = header.as_gnu_mut().unwrap();
                gnu.name = [0; 100];
                gnu.name[..name.len()].copy_from_slice(name);
                header.set_cksum();
                builder.append(&header, content.as_slice()).unwrap();
            }
        }
    }
    let tar_bytes = builder.into_inner().unwrap();
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar_bytes).unwrap();
    gz.finish().unwrap()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Unpacks with the system `tar` (not our code) into `dir`; returns `dir/<prefix>`.
pub fn system_untar(bytes: &[u8], dir: &Path, prefix: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let archive = dir.join("archive.crate");
    std::fs::write(&archive, bytes).unwrap();
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success(), "system tar failed");
    std::fs::remove_file(&archive).unwrap();
    dir.join(prefix)
}

/// The oracle: `git diff --no-index --ignore-cr-at-eol --numstat` (no -z; `a => b` rename
/// notation) between two directories, run from `cwd` with an empty HOME, summed with the
/// skip list applied to crate-root paths. Written independently of `minaudit::price::diffstat`.
pub fn git_oracle(old: &Path, new: &Path, home: &Path) -> u64 {
    git_oracle_with(old, new, home, &[])
}

/// [`git_oracle`] with extra `git diff` flags (e.g. `--no-renames`, to show a test exercises
/// rename detection).
pub fn git_oracle_with(old: &Path, new: &Path, home: &Path, extra: &[&str]) -> u64 {
    std::fs::create_dir_all(home).unwrap();
    let rel = |p: &Path| pathdiff(p, home);
    let out = Command::new("git")
        .args(["diff", "--no-index", "--ignore-cr-at-eol", "--numstat"])
        .args(extra)
        .arg(rel(old))
        .arg(rel(new))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CEILING_DIRECTORIES", home)
        .current_dir(home)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "git failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let old_s = rel(old).to_string_lossy().into_owned();
    let new_s = rel(new).to_string_lossy().into_owned();
    let mut total = 0;
    for line in text.lines() {
        let mut parts = line.splitn(3, '\t');
        let ins = parts.next().unwrap();
        let del = parts.next().unwrap();
        let names = parts.next().unwrap();
        // Crate-relative name of the new side (old side when the new side is /dev/null).
        let crate_rel = crate_relative(names, &old_s, &new_s);
        if ["Cargo.lock", ".cargo_vcs_info.json", ".cargo-ok"].contains(&crate_rel.as_str()) {
            continue;
        }
        if ins == "-" {
            continue;
        }
        total += ins.parse::<u64>().unwrap() + del.parse::<u64>().unwrap();
    }
    total
}

/// From numstat's non-z name column (`a => b`, `{a => b}/rest`, or `/dev/null => b`), the
/// new-side path relative to `new` (or old-side relative to `old` for deletions).
fn crate_relative(names: &str, old: &str, new: &str) -> String {
    let (from, to) = expand_rename(names);
    if to != "/dev/null" {
        to.strip_prefix(new)
            .unwrap_or_else(|| panic!("{to} not under {new}"))
            .trim_start_matches('/')
            .to_owned()
    } else {
        from.strip_prefix(old)
            .unwrap_or_else(|| panic!("{from} not under {old}"))
            .trim_start_matches('/')
            .to_owned()
    }
}

fn expand_rename(names: &str) -> (String, String) {
    if let (Some(open), Some(close)) = (names.find('{'), names.find('}')) {
        let head = &names[..open];
        let tail = &names[close + 1..];
        let (a, b) = names[open + 1..close].split_once(" => ").unwrap();
        let join = |mid: &str| format!("{head}{mid}{tail}").replace("//", "/");
        return (join(a), join(b));
    }
    match names.split_once(" => ") {
        Some((a, b)) => (a.to_owned(), b.to_owned()),
        None => (names.to_owned(), names.to_owned()),
    }
}

fn pathdiff(p: &Path, base: &Path) -> PathBuf {
    // Paths given to the oracle's git relative to its cwd, so output names are short.
    let p = std::fs::canonicalize(p).unwrap();
    let base = std::fs::canonicalize(base).unwrap();
    let common = p
        .components()
        .zip(base.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in base.components().skip(common) {
        out.push("..");
    }
    for c in p.components().skip(common) {
        out.push(c);
    }
    out
}

/// Deterministic pseudo-random generator (xorshift), so "large" fixtures are reproducible.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A line of fake source text.
pub fn fake_line(rng: &mut Rng) -> String {
    const WORDS: &[&str] = &[
        "let", "fn", "x", "self", "match", "Some", "None", "=>", "{", "}", "return", "vec", "impl",
        "for", "in", "0", "1", "+", "-", "(", ")", ";",
    ];
    let n = 1 + rng.below(8);
    let mut s = "    ".repeat(rng.below(3) as usize);
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    s
}

/// A small hand-made version pair (see `tests/price_diffstat.rs` for the hand count).
pub fn fifty_lines() -> String {
    (1..=50).map(|i| format!("line {i}\n")).collect()
}

pub fn hand_pair() -> (Vec<u8>, Vec<u8>) {
    let a = "demo-1.0.0";
    let b = "demo-1.1.0";
    let old = build_crate(&[
        file(
            &format!("{a}/Cargo.toml"),
            "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n",
        ),
        file(&format!("{a}/src/lib.rs"), "a\nb\nc\n"),
        file(&format!("{a}/src/old_name.rs"), fifty_lines()),
        file(&format!("{a}/src/crlf.rs"), "x\ny\nz\n"),
        file(&format!("{a}/Cargo.lock"), "a\n"),
        file(&format!("{a}/logo.bin"), b"\0abc"),
        file(&format!("{a}/src/tail.rs"), "one\ntwo"),
        file(&format!("{a}/gone.rs"), "1\n2\n3\n"),
    ]);
    let new = build_crate(&[
        file(
            &format!("{b}/Cargo.toml"),
            "[package]\nname = \"demo\"\nversion = \"1.1.0\"\n",
        ),
        file(&format!("{b}/src/lib.rs"), "a\nB\nc\n"),
        file(&format!("{b}/src/new_name.rs"), fifty_lines()),
        file(&format!("{b}/src/crlf.rs"), "x\r\ny\r\nz\r\n"),
        file(&format!("{b}/Cargo.lock"), "a\nb\nc\n"),
        file(&format!("{b}/logo.bin"), b"\0abd"),
        file(&format!("{b}/src/tail.rs"), "one\ntwo\nthree\n"),
        file(&format!("{b}/sub/Cargo.lock"), "q\nr\n"),
        file(&format!("{b}/.cargo_vcs_info.json"), "{}\n"),
    ]);
    (old, new)
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("minaudit-price-")
        .tempdir()
        .unwrap()
}

/// A `.crate` whose first entry is a `kind` header (`L`: GNU long name, `x`: pax) claiming
/// `claimed` bytes, followed by that many bytes of `a`, gzipped to about `claimed / 1000`
/// bytes: built from one flushed deflate chunk repeated, so no step holds the whole stream.
pub fn hostile_metadata_crate(kind: u8, claimed: u64) -> Vec<u8> {
    const CHUNK: usize = 16 << 20;
    assert_eq!(
        claimed % CHUNK as u64,
        0,
        "claimed is a whole number of chunks"
    );
    let mut header = tar::Header::new_gnu();
    header.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::new(kind));
    header.set_size(claimed);
    header.set_cksum();
    let piece = |data: &[u8], last: bool| {
        // a fresh compressor per piece and a full flush make the pieces independent
        let mut c = flate2::Compress::new(flate2::Compression::best(), false);
        let flush = if last {
            flate2::FlushCompress::Finish
        } else {
            flate2::FlushCompress::Full
        };
        let mut out = Vec::with_capacity(data.len() / 500 + 1024);
        loop {
            let consumed = c.total_in() as usize;
            let status = c.compress_vec(&data[consumed..], &mut out, flush).unwrap();
            let flushed = c.total_in() as usize == data.len() && out.len() < out.capacity();
            if status == flate2::Status::StreamEnd || (!last && flushed) {
                break;
            }
            out.reserve(1 << 16);
        }
        out
    };
    let chunk = vec![b'a'; CHUNK];
    let (head, body, tail) = (
        piece(header.as_bytes(), false),
        piece(&chunk, false),
        piece(&[], true),
    );
    let mut crc = flate2::Crc::new();
    crc.update(header.as_bytes());
    let mut chunk_crc = flate2::Crc::new();
    chunk_crc.update(&chunk);
    let repeats = claimed / CHUNK as u64;
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    gz.extend_from_slice(&head);
    for _ in 0..repeats {
        gz.extend_from_slice(&body);
        crc.combine(&chunk_crc);
    }
    gz.extend_from_slice(&tail);
    gz.extend_from_slice(&crc.sum().to_le_bytes());
    gz.extend_from_slice(&((512 + claimed) as u32).to_le_bytes());
    gz
}
