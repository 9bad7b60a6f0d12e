// Links the C core (built by `make build/gk/libmevgk_core.a`) statically into the plugin, so the
// validator loads one self-contained .so; its system libraries stay dynamic.
fn main() {
    let dir = std::env::var("MEVGK_CORE_DIR").unwrap_or_else(|_| "../../../../build/gk".into());
    let dir = std::fs::canonicalize(&dir).expect("build the C core first: make build/gk/libmevgk_core.a");
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=static=mevgk_core");
    for lib in ["cjson", "rdkafka", "pthread"] {
        println!("cargo:rustc-link-lib=dylib={lib}");
    }
    println!("cargo:rerun-if-changed={}/libmevgk_core.a", dir.display());
    println!("cargo:rerun-if-env-changed=MEVGK_CORE_DIR");
}
