//! Records the cargo profile so that `aerospike_py` can warn when a debug build is imported.
fn main() {
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=AEROSPIKE_PY_PROFILE={profile}");
    println!("cargo:rerun-if-changed=build.rs");
}
