//! Records the cargo profile as `aerospike_py.build_profile` ("release" or "debug"), which
//! `python/aerospike_py/__init__.py` checks to warn, once, when a debug build is imported.
fn main() {
    // Cargo's PROFILE is "release" for the release profile and every profile inheriting it.
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=AEROSPIKE_PY_PROFILE={profile}");
    println!("cargo:rerun-if-changed=build.rs");
}
