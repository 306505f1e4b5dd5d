// The built-in mappings and theme are embedded with include_dir; rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=mappings");
    println!("cargo:rerun-if-changed=themes");
}
