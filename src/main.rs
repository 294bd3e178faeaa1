fn main() -> std::process::ExitCode {
    mlgrant::cli::main()
}
