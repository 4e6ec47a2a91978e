//! How the process uses glibc's allocator: two malloc arenas, and freed heap memory given
//! back to the OS before each HiGHS solve.
//!
//! The index walk, the model build and the pricing threads allocate and free a lot before the
//! first solve, and glibc keeps freed pages mapped unless they sit at the top of the heap. HiGHS
//! then allocates on top of that, so the process's peak is the leftovers plus HiGHS's search.
//! `malloc_trim(0)` releases every whole free page (glibc ≥ 2.8 advises them away wherever they
//! are), so the peak is HiGHS's search plus what is still in use.

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

/// glibc gives each thread that allocates its own malloc arena (up to 8 per core), and the
/// download, counting and diff threads each leave theirs fragmented; two arenas bound that
/// waste without slowing the threads down.
/// `MALLOC_ARENA_MAX` in the environment still wins (glibc reads it before `main`; mallopt
/// here only lowers the default when it is unset). Call it before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; called before any thread starts.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn limit_malloc_arenas() {}
