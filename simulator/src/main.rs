fn main() {
    eprintln!("touchstone: the simulator is not built yet (issue 4).");
    std::process::exit(2);
}
