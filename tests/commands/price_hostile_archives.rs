//! Hostile `.crate` archives cost bounded memory and time, and messages never echo unbounded
//! data; legitimate long names (GNU `L` headers and pax `path` records) still read exactly as
//! the system `tar` reads them.

use crate::support::price_support;
use crate::support::report_support;

use std::time::{Duration, Instant};

use minaudit::price::linecount::count_crate_lines;
use minaudit::price::unpack::unpack_crate;
use minaudit::price::{ArchiveError, ArchiveLimits, PriceError};
use price_support::*;

const P: &str = "demo-0.1.0";
const GIB: u64 = 1 << 30;

fn unpack_err(bytes: &[u8], limits: ArchiveLimits) -> ArchiveError {
    let tmp = tempdir();
    match unpack_crate(bytes, "demo", "0.1.0", tmp.path(), limits) {
        Err(PriceError::Archive { error, .. }) => {
            let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
            assert!(left.is_empty(), "a refused crate leaves nothing");
            error
        }
        other => panic!("expected an archive error, got {other:?}"),
    }
}

/// This process's peak resident memory so far (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM line");
    kib / 1024
}

#[test]
fn metadata_headers_claiming_a_gibibyte_are_refused_fast_in_little_memory() {
    for kind in [b'L', b'x'] {
        let bytes = hostile_metadata_crate(kind, GIB);
        assert!(bytes.len() < 2 << 20, "a ~1 MB archive: {}", bytes.len());
        let started = Instant::now();
        let count = count_crate_lines(&bytes, P, ArchiveLimits::default()).unwrap_err();
        let unpack = unpack_err(&bytes, ArchiveLimits::default());
        let took = started.elapsed();
        for err in [&count, &unpack] {
            assert!(
                matches!(err, ArchiveError::TooLarge { what, .. } if what.contains("long name or pax header")),
                "{err}"
            );
            assert!(err.to_string().len() < 1_000, "{err}");
        }
        assert!(took < Duration::from_secs(10), "{took:?}");
    }
    let peak = peak_rss_mib();
    assert!(peak < 512, "peak resident memory {peak} MiB");
}

#[test]
fn long_names_and_pax_paths_read_as_system_tar_reads_them() {
    let long = format!("{P}/{}/lib.rs", "d".repeat(150));
    // GNU long name: tar's builder writes an `L` header for a path over 100 bytes
    let gnu = build_crate(&[file(&long, "a\nb\n"), file(&format!("{P}/x.rs"), "x\n")]);
    // pax: a `path` record, then a header carrying a different, short name
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_pax_extensions([("path", long.as_bytes())])
        .unwrap();
    let mut header = tar::Header::new_ustar();
    header.set_path(format!("{P}/short.rs")).unwrap();
    header.set_size(4);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append(&header, &b"a\nb\n"[..]).unwrap();
    let pax = gzip(&builder.into_inner().unwrap());

    for bytes in [gnu, pax] {
        let counted = count_crate_lines(&bytes, P, ArchiveLimits::default()).unwrap();
        let rel = long.strip_prefix(&format!("{P}/")).unwrap();
        assert!(counted.files.iter().any(|f| f.path == rel && f.lines == 2));
        let tmp = tempdir();
        let ours = unpack_crate(
            &bytes,
            "demo",
            "0.1.0",
            &tmp.path().join("ours"),
            ArchiveLimits::default(),
        )
        .unwrap();
        let theirs = system_untar(&bytes, &tmp.path().join("theirs"), P);
        assert_eq!(
            std::fs::read(ours.join(rel)).unwrap(),
            std::fs::read(theirs.join(rel)).unwrap()
        );
        assert!(!ours.join("short.rs").exists());
    }
}

#[test]
fn a_pax_size_that_disagrees_with_the_header_is_refused() {
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_pax_extensions([("size", &b"2"[..])])
        .unwrap();
    let mut header = tar::Header::new_ustar();
    header.set_path(format!("{P}/a.rs")).unwrap();
    header.set_size(4);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append(&header, &b"a\nb\n"[..]).unwrap();
    let bytes = gzip(&builder.into_inner().unwrap());
    let err = count_crate_lines(&bytes, P, ArchiveLimits::default()).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Corrupt { message, .. } if message.contains("pax")),
        "{err}"
    );
}

#[test]
fn a_file_with_more_lines_than_git_can_diff_in_bounded_memory_is_refused() {
    let limits = ArchiveLimits {
        max_file_lines: 1_000,
        ..ArchiveLimits::default()
    };
    let bytes = build_crate(&[
        file(&format!("{P}/ok.rs"), "x\n".repeat(1_000)),
        file(&format!("{P}/big.rs"), "\n".repeat(1_001)),
    ]);
    for err in [
        count_crate_lines(&bytes, P, limits).unwrap_err(),
        unpack_err(&bytes, limits),
    ] {
        assert!(
            matches!(&err, ArchiveError::TooLarge { entry, what, .. } if entry.ends_with("big.rs") && what.contains("lines")),
            "{err}"
        );
    }
    assert_eq!(
        ArchiveLimits::default().max_file_lines,
        2_000_000,
        "~88 MiB of git memory a side"
    );
}

#[test]
fn a_huge_entry_name_is_cut_in_messages() {
    let name = format!("elsewhere/{}", "n".repeat(20_000));
    let bytes = build_crate(&[file(&name, "x\n")]);
    let err = count_crate_lines(&bytes, P, ArchiveLimits::default()).unwrap_err();
    assert!(matches!(err, ArchiveError::OutsidePrefix { .. }), "{err}");
    let text = err.to_string();
    assert!(text.len() < 1_000, "{} bytes", text.len());
    assert!(
        text.contains("elsewhere/nnn") && text.contains("bytes)"),
        "{text}"
    );
}

/// The product end to end: `report` on the demo whose delta base ansi-paint 2.1.0 (read by
/// the report, never unpacked by Cargo: it is not locked) is the hostile archive, with the
/// index checksum matching it. Refused in seconds, exit 2, a short message, and every process
/// the test waited for (the run and its cargo calls) peaked below 512 MiB.
#[cfg(target_os = "linux")]
#[test]
fn report_refuses_a_hostile_crate_in_seconds_in_little_memory() {
    let demo = report_support::Demo::new();
    let bytes = hostile_metadata_crate(b'L', GIB);
    let crate_path = demo.dir.join("registry/ansi-paint-2.1.0.crate");
    let index_path = demo.dir.join("registry/index/an/si/ansi-paint");
    let old = sha256_hex(&std::fs::read(&crate_path).unwrap());
    let index = std::fs::read_to_string(&index_path).unwrap();
    assert!(
        index.contains(&old),
        "the index lists ansi-paint 2.1.0 with its checksum"
    );
    std::fs::write(&crate_path, &bytes).unwrap();
    std::fs::write(&index_path, index.replace(&old, &sha256_hex(&bytes))).unwrap();
    let started = Instant::now();
    let out = demo.report(&["--no-optimum"]);
    let took = started.elapsed();
    let err = report_support::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("ansi-paint 2.1.0") && err.contains("long name or pax header"),
        "{err}"
    );
    assert!(err.len() < 4_000, "{} bytes of stderr", err.len());
    assert!(took < Duration::from_secs(30), "{took:?}");
    let children_peak_mib = {
        let mut usage = unsafe { std::mem::zeroed::<libc::rusage>() };
        assert_eq!(
            unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
            0
        );
        usage.ru_maxrss as u64 / 1024
    };
    assert!(
        children_peak_mib < 512,
        "a child peaked at {children_peak_mib} MiB"
    );
}

fn gzip(tar_bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(tar_bytes).unwrap();
    gz.finish().unwrap()
}
