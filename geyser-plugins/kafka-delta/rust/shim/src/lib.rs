//! The Geyser plugin Agave loads: a thin adapter from the `GeyserPlugin` trait to the C core's
//! `mevgk_*` ABI. It copies nothing the core does not need, never blocks, and never panics into
//! the validator: malformed input becomes a `GeyserPluginError`.
use agave_geyser_plugin_interface::geyser_plugin_interface::{
    GeyserPlugin, GeyserPluginError, ReplicaAccountInfoVersions, Result, SlotStatus,
};
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::fmt;

#[repr(C)]
struct MevgkAccount {
    pubkey: *const u8,
    owner: *const u8,
    lamports: u64,
    data: *const u8,
    data_len: usize,
    slot: u64,
    write_version: u64,
    txn_signature: *const u8,
    is_startup: c_int,
    sequence: u64,
    executable: c_int,
    rent_epoch: u64,
}

#[repr(C)]
struct MevgkSlot {
    slot: u64,
    has_parent: c_int,
    parent: u64,
    status: c_int,
    dead_error: *const c_char,
    sequence: u64,
}

extern "C" {
    fn mevgk_new(config_path: *const c_char, err_buf: *mut c_char, err_len: usize) -> *mut c_void;
    fn mevgk_update_account(p: *mut c_void, a: *mut MevgkAccount) -> c_int;
    fn mevgk_update_slot(p: *mut c_void, s: *mut MevgkSlot) -> c_int;
    fn mevgk_end_of_startup(p: *mut c_void);
    fn mevgk_wants_startup(p: *mut c_void) -> c_int;
    fn mevgk_free(p: *mut c_void);
}

/// The C core; its entry points are safe to call from several validator threads at once.
pub struct KafkaDeltaPlugin {
    core: *mut c_void,
}

// The core is built for concurrent callers (atomics, a mutex around the ring, librdkafka's
// thread-safe produce); the pointer itself is only replaced in on_load/on_unload (&mut self).
unsafe impl Send for KafkaDeltaPlugin {}
unsafe impl Sync for KafkaDeltaPlugin {}

impl fmt::Debug for KafkaDeltaPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KafkaDeltaPlugin {{ loaded: {} }}", !self.core.is_null())
    }
}

fn update_error(msg: &str) -> GeyserPluginError {
    GeyserPluginError::AccountsUpdateError { msg: msg.to_string() }
}

impl GeyserPlugin for KafkaDeltaPlugin {
    fn name(&self) -> &'static str {
        "mevlib-kafka-delta"
    }

    fn on_load(&mut self, config_file: &str, _is_reload: bool) -> Result<()> {
        let path = CString::new(config_file)
            .map_err(|_| GeyserPluginError::ConfigFileReadError { msg: "config path contains NUL".into() })?;
        let mut err = [0 as c_char; 512];
        let core = unsafe { mevgk_new(path.as_ptr(), err.as_mut_ptr(), err.len()) };
        if core.is_null() {
            let msg = unsafe { CStr::from_ptr(err.as_ptr()) }.to_string_lossy().into_owned();
            return Err(GeyserPluginError::ConfigFileReadError { msg });
        }
        if !self.core.is_null() {
            unsafe { mevgk_free(self.core) };
        }
        self.core = core;
        Ok(())
    }

    fn on_unload(&mut self) {
        if !self.core.is_null() {
            unsafe { mevgk_free(self.core) }; // flushes and joins the core's threads
            self.core = std::ptr::null_mut();
        }
    }

    fn update_account(&self, account: ReplicaAccountInfoVersions, slot: u64, is_startup: bool) -> Result<()> {
        if self.core.is_null() {
            return Err(update_error("plugin not loaded"));
        }
        let (pubkey, owner, lamports, data, write_version, executable, rent_epoch, signature) = match account {
            ReplicaAccountInfoVersions::V0_0_1(a) => {
                (a.pubkey, a.owner, a.lamports, a.data, a.write_version, a.executable, a.rent_epoch, None)
            }
            ReplicaAccountInfoVersions::V0_0_2(a) => (
                a.pubkey, a.owner, a.lamports, a.data, a.write_version, a.executable, a.rent_epoch,
                a.txn_signature.map(|s| s.as_ref()),
            ),
            ReplicaAccountInfoVersions::V0_0_3(a) => (
                a.pubkey, a.owner, a.lamports, a.data, a.write_version, a.executable, a.rent_epoch,
                a.txn.map(|t| t.signature().as_ref()),
            ),
        };
        if pubkey.len() != 32 || owner.len() != 32 || signature.is_some_and(|s| s.len() != 64) {
            return Err(update_error("account info with a malformed key or signature"));
        }
        let mut a = MevgkAccount {
            pubkey: pubkey.as_ptr(),
            owner: owner.as_ptr(),
            lamports,
            data: data.as_ptr(),
            data_len: data.len(),
            slot,
            write_version,
            txn_signature: signature.map_or(std::ptr::null(), |s| s.as_ptr()),
            is_startup: is_startup as c_int,
            sequence: 0,
            executable: executable as c_int,
            rent_epoch,
        };
        unsafe { mevgk_update_account(self.core, &mut a) };
        Ok(()) // a filtered-out or dropped update is counted by the core, not an error
    }

    fn notify_end_of_startup(&self) -> Result<()> {
        if !self.core.is_null() {
            unsafe { mevgk_end_of_startup(self.core) };
        }
        Ok(())
    }

    fn update_slot_status(&self, slot: u64, parent: Option<u64>, status: &SlotStatus) -> Result<()> {
        if self.core.is_null() {
            return Err(GeyserPluginError::SlotStatusUpdateError { msg: "plugin not loaded".into() });
        }
        let (code, reason) = match status {
            SlotStatus::Processed => (0, None),
            SlotStatus::Rooted => (1, None),
            SlotStatus::Confirmed => (2, None),
            SlotStatus::FirstShredReceived => (3, None),
            SlotStatus::Completed => (4, None),
            SlotStatus::CreatedBank => (5, None),
            SlotStatus::Dead(msg) => (6, Some(CString::new(msg.replace('\0', " ")).unwrap_or_default())),
        };
        let mut s = MevgkSlot {
            slot,
            has_parent: parent.is_some() as c_int,
            parent: parent.unwrap_or(0),
            status: code,
            dead_error: reason.as_ref().map_or(std::ptr::null(), |r| r.as_ptr()),
            sequence: 0,
        };
        unsafe { mevgk_update_slot(self.core, &mut s) };
        Ok(())
    }

    fn account_data_notifications_enabled(&self) -> bool {
        true
    }

    fn account_data_snapshot_notifications_enabled(&self) -> bool {
        // the startup snapshot is millions of updates: ask for it only when the config does
        !self.core.is_null() && unsafe { mevgk_wants_startup(self.core) } != 0
    }

    fn transaction_notifications_enabled(&self) -> bool {
        false
    }

    fn entry_notifications_enabled(&self) -> bool {
        false
    }
}

impl Drop for KafkaDeltaPlugin {
    fn drop(&mut self) {
        self.on_unload();
    }
}

/// The symbol Agave's plugin manager looks up and boxes.
#[no_mangle]
#[allow(improper_ctypes_definitions)]
pub unsafe extern "C" fn _create_plugin() -> *mut dyn GeyserPlugin {
    Box::into_raw(Box::new(KafkaDeltaPlugin { core: std::ptr::null_mut() }))
}
