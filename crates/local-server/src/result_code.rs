//! Result codes the server answers with (the real server's numbers, as clients know them).

pub const OK: u8 = 0;
pub const SERVER_ERROR: u8 = 1;
pub const KEY_NOT_FOUND: u8 = 2;
pub const GENERATION_ERROR: u8 = 3;
pub const PARAMETER_ERROR: u8 = 4;
pub const KEY_EXISTS: u8 = 5;
pub const BIN_EXISTS: u8 = 6;
pub const CLUSTER_KEY_MISMATCH: u8 = 7;
pub const SERVER_MEM_ERROR: u8 = 8;
pub const TIMEOUT: u8 = 9;
/// No node holds the record's partition (`as_partition_reserve_*` return -2); a node that
/// merely does not own it proxies the command instead (`net::proxy`).
pub const PARTITION_UNAVAILABLE: u8 = 11;
pub const UNSUPPORTED_FEATURE: u8 = 16;
pub const BIN_NOT_FOUND: u8 = 17;
pub const KEY_MISMATCH: u8 = 19;
pub const INCOMPATIBLE_TYPE: u8 = 12;
pub const RECORD_TOO_BIG: u8 = 13;
pub const NAMESPACE_NOT_FOUND: u8 = 20;
pub const BIN_NAME_TOO_LONG: u8 = 21;
pub const FAIL_FORBIDDEN: u8 = 22;
pub const ELEMENT_NOT_FOUND: u8 = 23;
pub const ELEMENT_EXISTS: u8 = 24;
pub const ENTERPRISE_ONLY: u8 = 25;
pub const OP_NOT_APPLICABLE: u8 = 26;
pub const FILTERED_OUT: u8 = 27;
pub const GEO_INVALID_GEOJSON: u8 = 160;
pub const UDF_BAD_RESPONSE: u8 = 100;

// Security (the server's `proto.h`, as the clients' `as_status.h` / `ResultCode.java` number them).
/// Ends a streamed admin answer (query users/roles); not an error.
pub const QUERY_END: u8 = 50;
pub const SECURITY_NOT_SUPPORTED: u8 = 51;
pub const SECURITY_NOT_ENABLED: u8 = 52;
pub const SECURITY_SCHEME: u8 = 53;
pub const INVALID_COMMAND: u8 = 54;
pub const INVALID_FIELD: u8 = 55;
pub const ILLEGAL_STATE: u8 = 56;
pub const INVALID_USER: u8 = 60;
pub const USER_ALREADY_EXISTS: u8 = 61;
pub const INVALID_PASSWORD: u8 = 62;
pub const EXPIRED_PASSWORD: u8 = 63;
pub const FORBIDDEN_PASSWORD: u8 = 64;
pub const INVALID_CREDENTIAL: u8 = 65;
pub const EXPIRED_SESSION: u8 = 66;
pub const INVALID_ROLE: u8 = 70;
pub const ROLE_ALREADY_EXISTS: u8 = 71;
pub const INVALID_PRIVILEGE: u8 = 72;
pub const INVALID_WHITELIST: u8 = 73;
pub const QUOTAS_NOT_ENABLED: u8 = 74;
pub const INVALID_QUOTA: u8 = 75;
pub const NOT_AUTHENTICATED: u8 = 80;
pub const ROLE_VIOLATION: u8 = 81;
pub const NOT_WHITELISTED: u8 = 82;
pub const QUOTA_EXCEEDED: u8 = 83;
