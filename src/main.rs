fn main() {
    std::process::exit(minaudit::app::main_with_exit_code());
}
