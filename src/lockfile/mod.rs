//! Cargo.lock: parse (v3/v4) into [`Lockfile`] and render back byte-identically to Cargo.
