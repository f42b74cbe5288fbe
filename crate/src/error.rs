//! The core's error: a status code and a message. The boundary (`ffi`) turns it into the
//! status its exports return and keeps the message for `kw_error_*`; TypeScript maps the
//! codes to `KanError` codes (`STATUS` in ts/raw/exports.ts, the mirror of ffi/).

pub const OK: i32 = 0;
pub const INVALID: i32 = 1;
pub const NUMERIC: i32 = 2;
pub const NO_MEMORY: i32 = 3;
pub const BAD_HANDLE: i32 = 4;
pub const CORRUPT: i32 = 5;

/// A failure with its status code and message.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub code: i32,
    pub msg: String,
}

impl Failure {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn invalid(msg: impl Into<String>) -> Self {
        Failure { code: INVALID, msg: msg.into() }
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn numeric(msg: impl Into<String>) -> Self {
        Failure { code: NUMERIC, msg: msg.into() }
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn corrupt(msg: impl Into<String>) -> Self {
        Failure { code: CORRUPT, msg: msg.into() }
    }
}

impl From<String> for Failure {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn from(msg: String) -> Self {
        Failure::invalid(msg)
    }
}

pub type Res<T> = Result<T, Failure>;
