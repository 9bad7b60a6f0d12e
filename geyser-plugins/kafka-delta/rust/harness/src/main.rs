//! `mevgk-harness PLUGIN.so CONFIG.json N`: opens the plugin, calls `_create_plugin` and boxes
//! the trait object as the validator does, then on_load, N account updates (V3 infos, every
//! tenth with a transaction), a slot status per 100 updates, notify_end_of_startup, on_unload.
use agave_geyser_plugin_interface::geyser_plugin_interface::{
    GeyserPlugin, ReplicaAccountInfoV3, ReplicaAccountInfoVersions, SanitizedTransaction, Signature, SlotStatus,
};
use libloading::{Library, Symbol};

// the same (Rust-ABI) trait object the validator receives: both sides are built by one rustc
#[allow(improper_ctypes_definitions)]
type Create = unsafe extern "C" fn() -> *mut dyn GeyserPlugin;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: mevgk-harness PLUGIN.so CONFIG.json N");
        std::process::exit(2);
    }
    let n: u64 = args[3].parse().expect("N");
    unsafe {
        let lib = Library::new(&args[1]).expect("open plugin");
        let create: Symbol<Create> = lib.get(b"_create_plugin").expect("_create_plugin");
        let mut plugin = Box::from_raw(create());
        if let Err(e) = plugin.on_load(&args[2], false) {
            eprintln!("on_load: {e}");
            std::process::exit(1);
        }
        println!("loaded {} (snapshot wanted: {})", plugin.name(), plugin.account_data_snapshot_notifications_enabled());
        let owner = [7u8; 32];
        let txn = SanitizedTransaction { signature: Signature([9u8; 64]) };
        for i in 0..n {
            let mut pubkey = [0u8; 32];
            pubkey[..8].copy_from_slice(&i.to_le_bytes());
            let data = vec![(i % 251) as u8; 165];
            let info = ReplicaAccountInfoV3 {
                pubkey: &pubkey,
                lamports: 2_039_280,
                owner: &owner,
                executable: false,
                rent_epoch: u64::MAX,
                data: &data,
                write_version: (1 << 40) + i,
                txn: if i % 10 == 0 { Some(&txn) } else { None },
            };
            plugin.update_account(ReplicaAccountInfoVersions::V0_0_3(&info), 1000 + i / 100, false).expect("update");
            if i % 100 == 99 {
                plugin.update_slot_status(1000 + i / 100, Some(999 + i / 100), &SlotStatus::Confirmed).expect("slot");
            }
        }
        plugin.update_slot_status(5, None, &SlotStatus::Dead("fork".into())).expect("dead slot");
        let bad = ReplicaAccountInfoV3 {
            pubkey: &[1, 2, 3], lamports: 0, owner: &owner, executable: false, rent_epoch: 0, data: &[],
            write_version: 0, txn: None,
        };
        assert!(plugin.update_account(ReplicaAccountInfoVersions::V0_0_3(&bad), 1, false).is_err());
        plugin.notify_end_of_startup().expect("end of startup");
        plugin.on_unload();
        drop(plugin); // the plugin goes before its library, as in the validator
        drop(lib);
        println!("sent {n} updates");
    }
}
