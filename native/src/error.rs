//! Errors with stable codes.
//!
//! The code is the contract: JS callers branch on `err.code`, so a code never changes meaning
//! once published. The message says what to fix. Codes cross the napi boundary as a
//! `CODE: message` prefix because napi-rs' async task rejection only carries a fixed status;
//! one format for sync and async keeps lib/errors.ts to a single parser.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The path does not exist or holds no tokenizer.json.
    FileNotFound,
    /// Reading a file failed for another reason (permissions, a directory, ...).
    Io,
    /// The bytes are not JSON (often a truncated download).
    InvalidJson,
    /// The JSON names a normalizer/pre-tokenizer/model/... type this engine does not know.
    UnsupportedComponent,
    /// Valid JSON of known components that still does not describe a tokenizer.
    InvalidTokenizer,
    /// A caller-supplied argument is out of its domain.
    InvalidArgument,
    /// An id has no token in this vocabulary.
    IdOutOfRange,
    /// The input exceeds the documented size limit.
    InputTooLarge,
    /// A file to read is larger than the caller's limit (`maxFileBytes`).
    FileTooLarge,
    /// The operation was cancelled through an AbortSignal.
    Aborted,
    /// The engine rejected the input during encoding (e.g. a truncation it cannot satisfy).
    EncodeFailed,
    /// The engine failed while decoding.
    DecodeFailed,
    /// The chat template does not compile, or no template fits the request.
    ChatTemplateInvalid,
    /// Rendering the chat template failed: the template raised (`raise_exception`), used
    /// something the messages lack, or ran over its budget of work and data.
    ChatTemplateError,
    /// The text holds a special-token string and the caller asked for `specialTokens: 'error'`.
    SpecialTokenInText,
    /// A bug: a panic caught at the boundary, or an invariant that did not hold.
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::FileNotFound => "FILE_NOT_FOUND",
            Code::Io => "IO_ERROR",
            Code::InvalidJson => "INVALID_JSON",
            Code::UnsupportedComponent => "UNSUPPORTED_COMPONENT",
            Code::InvalidTokenizer => "INVALID_TOKENIZER",
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::IdOutOfRange => "ID_OUT_OF_RANGE",
            Code::InputTooLarge => "INPUT_TOO_LARGE",
            Code::FileTooLarge => "FILE_TOO_LARGE",
            Code::Aborted => "ABORTED",
            Code::EncodeFailed => "ENCODE_FAILED",
            Code::DecodeFailed => "DECODE_FAILED",
            Code::ChatTemplateInvalid => "CHAT_TEMPLATE_INVALID",
            Code::ChatTemplateError => "CHAT_TEMPLATE_ERROR",
            Code::SpecialTokenInText => "SPECIAL_TOKEN_IN_TEXT",
            Code::Internal => "INTERNAL",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: Code,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error { code, message: message.into() }
    }

    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(Code::InvalidArgument, message)
    }

    /// Turns a caught panic payload into an INTERNAL error instead of aborting Node.
    pub fn from_panic(payload: Box<dyn std::any::Any + Send>) -> Self {
        let detail = panic_detail(&payload);
        Error::new(Code::Internal, format!("internal error in the tokenizer engine (please report it): {detail}"))
    }
}

/// The message a panic carried, when it carried one.
pub fn panic_detail(payload: &Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

impl std::error::Error for Error {}

/// Runs `f`, turning a panic into `Code::Internal`. Every entry point from JS goes through
/// this, so a bug in the engine (ours or the crate's) can never abort the Node process.
pub fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| Err(Error::from_panic(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_carries_the_code_prefix_lib_errors_ts_parses() {
        let e = Error::invalid_argument("maxLength must be > 0");
        assert_eq!(e.to_string(), "INVALID_ARGUMENT: maxLength must be > 0");
    }

    #[test]
    fn guard_turns_a_panic_into_internal() {
        let r: Result<()> = guard(|| panic!("boom"));
        let e = r.unwrap_err();
        assert_eq!(e.code, Code::Internal);
        assert!(e.message.contains("boom"));
    }
}
