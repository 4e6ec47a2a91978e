//! Giving freed heap memory back to the OS before a HiGHS solve.
//!
//! The index walk, the model build and the pricing threads allocate and free a lot before the
//! first solve, and glibc keeps freed pages mapped unless they sit at the top of the heap. HiGHS
//! then allocates on top of that, so the process's peak is the leftovers plus HiGHS's search.
//! `malloc_trim(0)` releases every whole free page (glibc ≥ 2.8 advises them away wherever they
//! are). Measured on `report -p loot-condition-interpreter` (the corpus run with the largest
//! search), release build, 2026-12-03: 270 MiB resident before the first solve; the figures
//! with and without the trim are in README's performance section.

/// Returns whole free pages of the heap to the OS (glibc only; elsewhere nothing to do).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn return_free_memory() {
    // SAFETY: malloc_trim only walks the allocator's own free lists; no pointer is touched.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn return_free_memory() {}
