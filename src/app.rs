//! TODO
pub fn main_with_exit_code() -> i32 {
    0
}
