//! Stand-in for `agave_geyser_plugin_interface`, written from its published signatures so the
//! shim builds and is exercised offline. Only what the shim touches is here.
pub mod geyser_plugin_interface {
    use std::{any::Any, error, fmt};

    /// A 64-byte transaction signature.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub struct Signature(pub [u8; 64]);

    impl AsRef<[u8]> for Signature {
        fn as_ref(&self) -> &[u8] {
            &self.0
        }
    }

    impl fmt::Debug for Signature {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "Signature(..)")
        }
    }

    /// The slice of a sanitized transaction the shim reads: its first signature.
    #[derive(Debug)]
    pub struct SanitizedTransaction {
        pub signature: Signature,
    }

    impl SanitizedTransaction {
        pub fn signature(&self) -> &Signature {
            &self.signature
        }
    }

    #[derive(Debug)]
    pub struct ReplicaAccountInfo<'a> {
        pub pubkey: &'a [u8],
        pub lamports: u64,
        pub owner: &'a [u8],
        pub executable: bool,
        pub rent_epoch: u64,
        pub data: &'a [u8],
        pub write_version: u64,
    }

    #[derive(Debug)]
    pub struct ReplicaAccountInfoV2<'a> {
        pub pubkey: &'a [u8],
        pub lamports: u64,
        pub owner: &'a [u8],
        pub executable: bool,
        pub rent_epoch: u64,
        pub data: &'a [u8],
        pub write_version: u64,
        pub txn_signature: Option<&'a Signature>,
    }

    #[derive(Debug)]
    pub struct ReplicaAccountInfoV3<'a> {
        pub pubkey: &'a [u8],
        pub lamports: u64,
        pub owner: &'a [u8],
        pub executable: bool,
        pub rent_epoch: u64,
        pub data: &'a [u8],
        pub write_version: u64,
        pub txn: Option<&'a SanitizedTransaction>,
    }

    pub enum ReplicaAccountInfoVersions<'a> {
        V0_0_1(&'a ReplicaAccountInfo<'a>),
        V0_0_2(&'a ReplicaAccountInfoV2<'a>),
        V0_0_3(&'a ReplicaAccountInfoV3<'a>),
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum SlotStatus {
        Processed,
        Rooted,
        Confirmed,
        FirstShredReceived,
        Completed,
        CreatedBank,
        Dead(String),
    }

    #[derive(Debug)]
    pub enum GeyserPluginError {
        ConfigFileReadError { msg: String },
        AccountsUpdateError { msg: String },
        SlotStatusUpdateError { msg: String },
        Custom(Box<dyn error::Error + Send + Sync>),
    }

    impl fmt::Display for GeyserPluginError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Self::ConfigFileReadError { msg } => write!(f, "config: {msg}"),
                Self::AccountsUpdateError { msg } => write!(f, "account update: {msg}"),
                Self::SlotStatusUpdateError { msg } => write!(f, "slot status: {msg}"),
                Self::Custom(e) => write!(f, "{e}"),
            }
        }
    }

    impl error::Error for GeyserPluginError {}

    pub type Result<T> = std::result::Result<T, GeyserPluginError>;

    pub trait GeyserPlugin: Any + Send + Sync + fmt::Debug {
        fn name(&self) -> &'static str;
        fn on_load(&mut self, _config_file: &str, _is_reload: bool) -> Result<()> {
            Ok(())
        }
        fn on_unload(&mut self) {}
        fn update_account(&self, _account: ReplicaAccountInfoVersions, _slot: u64, _is_startup: bool) -> Result<()> {
            Ok(())
        }
        fn notify_end_of_startup(&self) -> Result<()> {
            Ok(())
        }
        fn update_slot_status(&self, _slot: u64, _parent: Option<u64>, _status: &SlotStatus) -> Result<()> {
            Ok(())
        }
        fn account_data_notifications_enabled(&self) -> bool {
            true
        }
        fn account_data_snapshot_notifications_enabled(&self) -> bool {
            true
        }
        fn transaction_notifications_enabled(&self) -> bool {
            false
        }
        fn entry_notifications_enabled(&self) -> bool {
            false
        }
    }
}
