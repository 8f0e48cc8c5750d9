"""Constants of aerospike-py: policies, operators, TTL specials and result codes.

Names and values follow the seed API (the aerospike-py documentation the project grew from), so
code written for it keeps working; the official client's spellings are accepted as aliases where
they mean the same thing (``POLICY_EXISTS_CREATE`` is ``POLICY_EXISTS_CREATE_ONLY``), and the
official client's names the seed lacks take the official values where they do not collide with a
seed value (``LOG_LEVEL_*``, ``AUTH_*``, ``PRIV_*``, ``POLICY_READ_MODE_SC_*``, ...). Code should
use the names: a few numbers differ from the official client's (``POLICY_REPLICA_SEQUENCE`` is 1
here, 2 there), and each client understands its own.

>>> import aerospike_py as aerospike
>>> aerospike.POLICY_EXISTS_CREATE_ONLY == aerospike.POLICY_EXISTS_CREATE
True
"""

from __future__ import annotations

# What to do when the record already exists (the write policy's "exists").
POLICY_EXISTS_IGNORE = 0  # create or update
POLICY_EXISTS_UPDATE = 1  # update only: fails with RecordNotFound when missing
POLICY_EXISTS_UPDATE_ONLY = POLICY_EXISTS_UPDATE
POLICY_EXISTS_REPLACE = 2  # create or replace all bins
POLICY_EXISTS_CREATE_OR_REPLACE = POLICY_EXISTS_REPLACE
POLICY_EXISTS_REPLACE_ONLY = 3  # replace all bins: fails with RecordNotFound when missing
POLICY_EXISTS_CREATE_ONLY = 4  # create only: fails with RecordExistsError when present
POLICY_EXISTS_CREATE = POLICY_EXISTS_CREATE_ONLY

# Generation checks (the write policy's "gen", with meta={"gen": n}).
POLICY_GEN_IGNORE = 0
POLICY_GEN_EQ = 1
POLICY_GEN_GT = 2

# Whether the user key is sent and stored with the record (the policy's "key").
POLICY_KEY_DIGEST = 0
POLICY_KEY_SEND = 1

POLICY_COMMIT_LEVEL_ALL = 0
POLICY_COMMIT_LEVEL_MASTER = 1

# Which replica a command goes to (the policy's "replica"). The seed's values, then the official
# client's ANY (master and proles in turn) and RANDOM (any node). PREFER_RACK needs
# config["rack_aware"] and "rack_id"/"rack_ids".
POLICY_REPLICA_MASTER = 0
POLICY_REPLICA_SEQUENCE = 1
POLICY_REPLICA_PREFER_RACK = 2
POLICY_REPLICA_ANY = 3
POLICY_REPLICA_RANDOM = 4

# Read consistency (the policy's "read_mode_ap" for AP namespaces, "read_mode_sc" for
# strong-consistency namespaces).
POLICY_READ_MODE_AP_ONE = 0
POLICY_READ_MODE_AP_ALL = 1
POLICY_READ_MODE_SC_SESSION = 0
POLICY_READ_MODE_SC_LINEARIZE = 1
POLICY_READ_MODE_SC_ALLOW_REPLICA = 2
POLICY_READ_MODE_SC_ALLOW_UNAVAILABLE = 3

# The official client's retry constants (its old "retry" policy key; use "max_retries").
POLICY_RETRY_NONE = 0
POLICY_RETRY_ONCE = 1

# The policy's "read_touch_ttl_percent": 1..100 resets the TTL on a read within that percentage of
# its end of life (server 7.1+), or one of these.
READ_TOUCH_TTL_PERCENT_SERVER_DEFAULT = 0
READ_TOUCH_TTL_PERCENT_DONT_RESET = -1

# The batch policy's "concurrent" (True/False, or these): nodes one after another, or all at once.
BATCH_CONCURRENCY_SEQUENTIAL = 0
BATCH_CONCURRENCY_PARALLEL = 1

# set_log_level() thresholds (the official client's values).
LOG_LEVEL_OFF = -1
LOG_LEVEL_ERROR = 0
LOG_LEVEL_WARN = 1
LOG_LEVEL_INFO = 2
LOG_LEVEL_DEBUG = 3
LOG_LEVEL_TRACE = 4

# config["auth_mode"] / config["policies"]["auth_mode"] (the official client's values).
AUTH_INTERNAL = 0
AUTH_EXTERNAL = 1
AUTH_EXTERNAL_INSECURE = 2
AUTH_PKI = 3

# Serializer names of the official client and the seed. aerospike-py has no user serializers:
# bins take the server's types, and anything else is a TypeError before anything is sent.
SERIALIZER_NONE = 0
SERIALIZER_PYTHON = 1
SERIALIZER_JSON = 2
SERIALIZER_USER = 3

# config["send_bool_as"]: only AS_BOOL (the server's boolean type) is supported.
INTEGER = 0
AS_BOOL = 1

# Privilege codes: {"code": PRIV_*, "ns": ..., "set": ...} in admin_create_role and friends.
PRIV_USER_ADMIN = 0
PRIV_SYS_ADMIN = 1
PRIV_DATA_ADMIN = 2
PRIV_UDF_ADMIN = 3
PRIV_SINDEX_ADMIN = 4
PRIV_READ = 10
PRIV_READ_WRITE = 11
PRIV_READ_WRITE_UDF = 12
PRIV_WRITE = 13
PRIV_TRUNCATE = 14

# Operators for operate() dicts: {"op": OPERATOR_*, "bin": name, "val": value}.
OPERATOR_READ = 1
OPERATOR_WRITE = 2
OPERATOR_INCR = 5
OPERATOR_APPEND = 9
OPERATOR_PREPEND = 10
OPERATOR_TOUCH = 11
OPERATOR_DELETE = 12

# Special TTL values for meta={"ttl": ...}; the official client's unsigned spellings
# (0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD) are accepted too.
TTL_NAMESPACE_DEFAULT = 0
TTL_NEVER_EXPIRE = -1
TTL_DONT_UPDATE = -2
TTL_CLIENT_DEFAULT = -3

# Result codes (server codes >= 0, client-side codes < 0).
AEROSPIKE_ERR_INVALID_NODE = -8
AEROSPIKE_ERR_NO_MORE_CONNECTIONS = -7
AEROSPIKE_ERR_ASYNC_CONNECTION = -6
AEROSPIKE_ERR_CLIENT_ABORT = -5
AEROSPIKE_ERR_INVALID_HOST = -4
AEROSPIKE_ERR_PARAM = -2
AEROSPIKE_ERR_CLIENT = -1
AEROSPIKE_ERR_CONNECTION = -10
AEROSPIKE_ERR_CLUSTER = -11
AEROSPIKE_OK = 0
AEROSPIKE_ERR_SERVER = 1
AEROSPIKE_ERR_RECORD_NOT_FOUND = 2
AEROSPIKE_ERR_RECORD_GENERATION = 3
AEROSPIKE_ERR_REQUEST_INVALID = 4
AEROSPIKE_ERR_RECORD_EXISTS = 5
AEROSPIKE_ERR_BIN_EXISTS = 6
AEROSPIKE_ERR_CLUSTER_KEY_MISMATCH = 7
AEROSPIKE_ERR_SERVER_MEM = 8
AEROSPIKE_ERR_TIMEOUT = 9
AEROSPIKE_ERR_ALWAYS_FORBIDDEN = 10
AEROSPIKE_ERR_PARTITION_UNAVAILABLE = 11
AEROSPIKE_ERR_BIN_TYPE = 12
AEROSPIKE_ERR_RECORD_TOO_BIG = 13
AEROSPIKE_ERR_KEY_BUSY = 14
AEROSPIKE_ERR_SCAN_ABORT = 15
AEROSPIKE_ERR_UNSUPPORTED_FEATURE = 16
AEROSPIKE_ERR_BIN_NOT_FOUND = 17
AEROSPIKE_ERR_DEVICE_OVERLOAD = 18
AEROSPIKE_ERR_KEY_MISMATCH = 19
AEROSPIKE_ERR_INVALID_NAMESPACE = 20
AEROSPIKE_ERR_BIN_NAME = 21
AEROSPIKE_ERR_FAIL_FORBIDDEN = 22
AEROSPIKE_ERR_ELEMENT_NOT_FOUND = 23
AEROSPIKE_ERR_ELEMENT_EXISTS = 24
AEROSPIKE_ERR_ENTERPRISE_ONLY = 25
AEROSPIKE_ERR_OP_NOT_APPLICABLE = 26
AEROSPIKE_ERR_FILTERED_OUT = 27
AEROSPIKE_ERR_LOST_CONFLICT = 28
AEROSPIKE_QUERY_END = 50
AEROSPIKE_SECURITY_NOT_SUPPORTED = 51
AEROSPIKE_SECURITY_NOT_ENABLED = 52
AEROSPIKE_ERR_INVALID_USER = 60
AEROSPIKE_ERR_NOT_AUTHENTICATED = 80
AEROSPIKE_ERR_ROLE_VIOLATION = 81
AEROSPIKE_ERR_UDF = 100
AEROSPIKE_ERR_BATCH_DISABLED = 150
AEROSPIKE_ERR_INDEX_FOUND = 200
AEROSPIKE_ERR_INDEX_NOT_FOUND = 201
AEROSPIKE_ERR_QUERY_ABORTED = 210

# CDT list operations (list_operations): what a selecting op returns, or'ed with
# LIST_RETURN_INVERTED to select everything outside the range instead.
LIST_RETURN_NONE = 0
LIST_RETURN_INDEX = 1
LIST_RETURN_REVERSE_INDEX = 2
LIST_RETURN_RANK = 3
LIST_RETURN_REVERSE_RANK = 4
LIST_RETURN_COUNT = 5
LIST_RETURN_VALUE = 7
LIST_RETURN_EXISTS = 13
LIST_RETURN_INVERTED = 0x10000

# List order (the list policy's "list_order"), sort flags and write flags ("write_flags").
LIST_UNORDERED = 0
LIST_ORDERED = 1
LIST_SORT_DEFAULT = 0
LIST_SORT_DESCENDING = 1
LIST_SORT_DROP_DUPLICATES = 2
LIST_WRITE_DEFAULT = 0
LIST_WRITE_ADD_UNIQUE = 1
LIST_WRITE_INSERT_BOUNDED = 2
LIST_WRITE_NO_FAIL = 4
LIST_WRITE_PARTIAL = 8

# CDT map operations (map_operations): return types, as for lists, plus keys and maps.
MAP_RETURN_NONE = 0
MAP_RETURN_INDEX = 1
MAP_RETURN_REVERSE_INDEX = 2
MAP_RETURN_RANK = 3
MAP_RETURN_REVERSE_RANK = 4
MAP_RETURN_COUNT = 5
MAP_RETURN_KEY = 6
MAP_RETURN_VALUE = 7
MAP_RETURN_KEY_VALUE = 8
MAP_RETURN_EXISTS = 13
MAP_RETURN_UNORDERED_MAP = 16
MAP_RETURN_ORDERED_MAP = 17
MAP_RETURN_INVERTED = 0x10000

# Map order (the map policy's "map_order") and write flags ("map_write_flags"); MAP_UPDATE,
# MAP_UPDATE_ONLY and MAP_CREATE_ONLY are the older "map_write_mode" spellings of the same flags.
MAP_UNORDERED = 0
MAP_KEY_ORDERED = 1
MAP_KEY_VALUE_ORDERED = 3
MAP_WRITE_FLAGS_DEFAULT = 0
MAP_WRITE_FLAGS_CREATE_ONLY = 1
MAP_WRITE_FLAGS_UPDATE_ONLY = 2
MAP_WRITE_FLAGS_NO_FAIL = 4
MAP_WRITE_FLAGS_PARTIAL = 8
MAP_UPDATE = 0
MAP_CREATE_ONLY = 1
MAP_UPDATE_ONLY = 2
MAP_WRITE_NO_FAIL = MAP_WRITE_FLAGS_NO_FAIL
MAP_WRITE_PARTIAL = MAP_WRITE_FLAGS_PARTIAL

# Bitwise operations (bit_operations): write flags, resize flags and overflow actions.
BIT_WRITE_DEFAULT = 0
BIT_WRITE_CREATE_ONLY = 1
BIT_WRITE_UPDATE_ONLY = 2
BIT_WRITE_NO_FAIL = 4
BIT_WRITE_PARTIAL = 8
BIT_RESIZE_DEFAULT = 0
BIT_RESIZE_FROM_FRONT = 1
BIT_RESIZE_GROW_ONLY = 2
BIT_RESIZE_SHRINK_ONLY = 4
BIT_OVERFLOW_FAIL = 0
BIT_OVERFLOW_SATURATE = 2
BIT_OVERFLOW_WRAP = 4

# HyperLogLog operations (hll_operations): write flags (the HLL policy's "flags").
HLL_WRITE_DEFAULT = 0
HLL_WRITE_CREATE_ONLY = 1
HLL_WRITE_UPDATE_ONLY = 2
HLL_WRITE_NO_FAIL = 4
HLL_WRITE_ALLOW_FOLD = 8

# Expression operations (exp.read_exp / exp.write_exp) and regex flags (exp.regex_compare).
EXP_READ_DEFAULT = 0
EXP_READ_EVAL_NO_FAIL = 16
EXP_WRITE_DEFAULT = 0
EXP_WRITE_CREATE_ONLY = 1
EXP_WRITE_UPDATE_ONLY = 2
EXP_WRITE_ALLOW_DELETE = 4
EXP_WRITE_POLICY_NO_FAIL = 8
EXP_WRITE_EVAL_NO_FAIL = 16
REGEX_NONE = 0
REGEX_EXTENDED = 1
REGEX_ICASE = 2
REGEX_NOSUB = 4
REGEX_NEWLINE = 8

# Secondary index data types (index_list_create, index_cdt_create...).
INDEX_NUMERIC = 0
INDEX_STRING = 1
INDEX_BLOB = 2
INDEX_GEO2DSPHERE = 3
INDEX_INTEGER = INDEX_NUMERIC

# Secondary index collection types (predicates.contains / range, index_cdt_create).
INDEX_TYPE_DEFAULT = 0
INDEX_TYPE_LIST = 1
INDEX_TYPE_MAPKEYS = 2
INDEX_TYPE_MAPVALUES = 3

# The server's treatment of a query (the query policy's "expected_duration").
QUERY_DURATION_LONG = 0
QUERY_DURATION_SHORT = 1
QUERY_DURATION_LONG_RELAX_AP = 2

# CDT context types: the wire ids cdt_ctx builds contexts with (the official client exports them).
CDT_CTX_LIST_INDEX = 0x10
CDT_CTX_LIST_RANK = 0x11
CDT_CTX_LIST_VALUE = 0x13
CDT_CTX_MAP_INDEX = 0x20
CDT_CTX_MAP_RANK = 0x21
CDT_CTX_MAP_KEY = 0x22
CDT_CTX_MAP_VALUE = 0x23

__all__ = [name for name in list(globals()) if name.isupper()]
