"""The exception hierarchy of aerospike-py.

Every error raised by the client is an :class:`AerospikeError`. Each carries the facts needed to
handle it without parsing its message: ``result_code`` (also ``code``, the official client's name:
the server's result code, or a negative client-side code with the official client's values),
``in_doubt`` (a write may have been applied although the command failed) and ``node`` (the node
that answered, when known). Each class also has its code as a class attribute
(``RecordNotFound.code == 2``), as in the official client. The native module maps each result
code to one of these classes in a single table (``src/errors.rs``)::

    AerospikeError
    ├── ClientError                 client-side failures (no server answer)
    │   ├── ParamError (-2)         bad arguments, raised before anything is sent (also a ValueError)
    │   ├── InvalidHostError (-4)   ClientAbortError (-5)     AsyncConnectionError (-6)
    │   ├── TLSError (-9)           NoResponse (-15)          BatchFailed (-16)
    │   ├── TransactionFailed (-17) TransactionAlreadyCommitted (-18)  TransactionAlreadyAborted (-19)
    │   ├── BackpressureError       max_concurrent_operations reached (the seed's)
    │   └── RustPanicError          a native panic caught at the API boundary (the seed's)
    ├── ClusterError (11)           connection, node and partition problems
    │   ├── ConnectionError (-10)   NoMoreConnectionsError (-7)   InvalidNodeError (-8)
    │   ├── MaxErrorRateExceeded (-14)  (these four are ClientErrors too, as in the official client)
    │   └── ClusterChangeError (7)
    ├── AerospikeTimeoutError (9)   the command did not finish in time (alias TimeoutError)
    │   └── MaxRetriesExceeded (-12)  (also a ClientError)
    ├── RecordError                 the record or its bins prevented the command
    │   ├── RecordNotFound (2)      RecordGenerationError (3)   RecordExistsError (5)
    │   ├── BinExistsError (6)      BinTypeError (12)           RecordTooBig (13)
    │   ├── RecordBusy (14)         BinNotFound (17)            RecordKeyMismatch (19)
    │   ├── BinNameError (21)       ElementNotFoundError (23)   ElementExistsError (24)
    │   └── FilteredOut (27)
    └── ServerError (1)             everything else the server refused
        ├── InvalidRequest (4)      └── InvalidGeoJSON (160)
        ├── ServerFull (8)          AlwaysForbidden (10)        UnsupportedFeature (16)
        ├── DeviceOverload (18)     NamespaceNotFound (20)      ForbiddenError (22)
        ├── EnterpriseOnly (25)     OpNotApplicable (26)        LostConflict (28)
        ├── BatchDisabledError (150)  BatchMaxRequestError (151)  BatchQueueFullError (152)
        ├── AerospikeIndexError (204, alias IndexError)
        │   └── IndexFoundError (200), IndexNotFound (201), IndexOOM (202),
        │       IndexNotReadable (203), IndexNameMaxLen (205), IndexNameMaxCount (206)
        ├── QueryError (213)        QueryAbortedError (210) > ScanAbortedError (15),
        │                           QueryQueueFull (211), QueryTimeout (212)
        ├── UDFError (100)          UDFNotFound (1301), LuaFileNotFound (1302)
        └── AdminError              one class per security result code, 51..83:
            SecurityNotSupported (51), SecurityNotEnabled (52), SecuritySchemeNotSupported (53),
            InvalidCommand (54), InvalidField (55), IllegalState (56), InvalidUser (60),
            UserExistsError (61), InvalidPassword (62), ExpiredPassword (63),
            ForbiddenPassword (64), InvalidCredential (65), ExpiredSession (66), InvalidRole (70),
            RoleExistsError (71), InvalidPrivilege (72), InvalidWhitelist (73),
            QuotasNotEnabled (74), InvalidQuota (75), NotAuthenticated (80), RoleViolation (81),
            NotWhitelisted (82), QuotaExceeded (83)

The official client's other spellings are aliases: ``TimeoutError``, ``IndexError``,
``BinIncompatibleType`` (``BinTypeError``), ``InvalidArgError`` (``ParamError``). The names that
would shadow Python builtins (``TimeoutError``, ``IndexError``, ``ConnectionError``) are left out of
``__all__``, so a star import never hides the builtins; reach them as ``aerospike_py.exception.X``
or ``aerospike_py.X``.

>>> from aerospike_py.exception import RecordNotFound, RecordError
>>> err = RecordNotFound("record not found")
>>> isinstance(err, RecordError), err.result_code, err.code, err.in_doubt
(True, 2, 2, False)
"""

from __future__ import annotations


class AerospikeError(Exception):
    """Base class of every error raised by aerospike-py.

    Attributes:
        message: what failed, naming the key or node where known (also ``msg``).
        result_code: the Aerospike result code (server codes are >= 0, client-side codes < 0);
            also ``code``. Defaults to the class's own code.
        in_doubt: True when a write may have been applied even though the command failed.
        node: the node (name or address) that answered, or None.
    """

    #: The result code of this class (the official client's class attribute); None for families.
    code: int | None = None

    def __init__(
        self, message: str = "", result_code: int | None = None, in_doubt: bool = False, node: str | None = None
    ) -> None:
        super().__init__(message)
        if result_code is None:
            result_code = type(self).code if type(self).code is not None else -1
        self.message = message
        self.result_code = result_code
        self.code = result_code
        self.in_doubt = in_doubt
        self.node = node

    @property
    def msg(self) -> str:
        """The message under the name the official client uses."""
        return self.message

    @property
    def file(self) -> None:
        """The official client's C source file of the error: always None here."""
        return None

    @property
    def line(self) -> None:
        """The official client's C source line of the error: always None here."""
        return None

    def __reduce__(self):  # keep the facts across pickling (multiprocessing, joblib)
        return (type(self), (self.message, self.result_code, self.in_doubt, self.node))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, result_code={self.result_code})"


class ClientError(AerospikeError):
    """The client failed without a server answer: not connected, used after fork, internal error."""

    code = -1


class ParamError(ClientError, ValueError):
    """An argument is invalid; raised before anything is sent to the server."""

    code = -2


InvalidArgError = ParamError


class InvalidHostError(ClientError):
    """A host in the config could not be resolved or parsed (-4)."""

    code = -4


class ClientAbortError(ClientError):
    """The client stopped the command, e.g. a scan or query stream that was closed (-5)."""

    code = -5


class AsyncConnectionError(ClientError):
    """An asynchronous connection failed (-6; the official client's name, kept for its code)."""

    code = -6


class TLSError(ClientError):
    """A TLS connection or handshake failed (-9)."""

    code = -9


class NoResponse(ClientError):
    """The server did not answer (-15)."""

    code = -15


class BatchFailed(ClientError):
    """A batch command failed as a whole (-16)."""

    code = -16


class TransactionFailed(ClientError):
    """A multi-record transaction failed (-17)."""

    code = -17


class TransactionAlreadyCommitted(ClientError):
    """The transaction was already committed (-18)."""

    code = -18


class TransactionAlreadyAborted(ClientError):
    """The transaction was already aborted (-19)."""

    code = -19


class BackpressureError(ClientError):
    """The client's ``max_concurrent_operations`` limit was reached and no slot freed up within
    ``operation_queue_timeout_ms`` (the seed's name; the official client has no such limit)."""


class RustPanicError(ClientError):
    """A panic in the native core was caught at the API boundary (the seed's name); the process
    survived but the command did not complete. Report it: aerospike-py treats any panic as a bug."""


class ClusterError(AerospikeError):
    """The cluster could not be reached or a node/partition was unavailable (11: partition unavailable)."""

    code = 11


class ConnectionError(ClusterError, ClientError):  # noqa: A001 - the official client's name
    """A connection to a node failed (-10)."""

    code = -10


class NoMoreConnectionsError(ClusterError, ClientError):
    """A node's connection pool is exhausted (``max_conns_per_node``) (-7)."""

    code = -7


class InvalidNodeError(ClusterError, ClientError):
    """No node can serve the command, e.g. its partition has no live node (-8)."""

    code = -8


class MaxErrorRateExceeded(ClusterError, ClientError):
    """A node returned too many errors in ``error_rate_window`` (``max_error_rate``) (-14)."""

    code = -14


class ClusterChangeError(ClusterError):
    """The cluster changed while the command ran (7)."""

    code = 7


class AerospikeTimeoutError(AerospikeError):
    """The command did not complete within its timeout (server code 9 or a client timeout)."""

    code = 9


TimeoutError = AerospikeTimeoutError  # noqa: A001 - the official client's name for the family


class MaxRetriesExceeded(AerospikeTimeoutError, ClientError):
    """The command failed on every attempt its ``max_retries`` allowed (-12)."""

    code = -12


class RecordError(AerospikeError):
    """The state of the record or of its bins prevented the command."""


class RecordNotFound(RecordError):
    """The record does not exist (result code 2)."""

    code = 2


class RecordGenerationError(RecordError):
    """The generation check failed (result code 3)."""

    code = 3


class RecordExistsError(RecordError):
    """The record already exists and the policy demanded creation (result code 5)."""

    code = 5


class BinExistsError(RecordError):
    """The bin already exists and the operation demanded creation (result code 6)."""

    code = 6


class BinTypeError(RecordError):
    """The operation does not apply to the bin's type (result code 12)."""

    code = 12


BinIncompatibleType = BinTypeError


class RecordTooBig(RecordError):
    """The record would exceed the namespace's record-size limit (result code 13)."""

    code = 13


class RecordBusy(RecordError):
    """Too many concurrent writes to the same record (result code 14)."""

    code = 14


class BinNotFound(RecordError):
    """The bin does not exist (result code 17)."""

    code = 17


class RecordKeyMismatch(RecordError):
    """The key sent does not match the key stored with the record (result code 19)."""

    code = 19


class BinNameError(RecordError):
    """The bin name is too long or otherwise invalid (result code 21)."""

    code = 21


class ElementNotFoundError(RecordError):
    """A map key or list element required by the operation does not exist (result code 23)."""

    code = 23


class ElementExistsError(RecordError):
    """A map key or list element that must not exist already does (result code 24)."""

    code = 24


class FilteredOut(RecordError):
    """The record did not match the filter expression (result code 27)."""

    code = 27


class ServerError(AerospikeError):
    """The server refused the command for a reason not tied to the record's state."""

    code = 1


class InvalidRequest(ServerError):
    """The server found the request invalid (result code 4)."""

    code = 4


class InvalidGeoJSON(InvalidRequest):
    """A GeoJSON value is invalid (result code 160)."""

    code = 160


class ServerFull(ServerError):
    """The server is out of memory or storage (result code 8)."""

    code = 8


class AlwaysForbidden(ServerError):
    """The operation is never allowed with this namespace's configuration (result code 10)."""

    code = 10


class UnsupportedFeature(ServerError):
    """The server does not support this feature (result code 16)."""

    code = 16


class DeviceOverload(ServerError):
    """The server's storage device cannot keep up (result code 18)."""

    code = 18


class NamespaceNotFound(ServerError):
    """The namespace does not exist on the server (result code 20)."""

    code = 20


class ForbiddenError(ServerError):
    """The operation is forbidden now, e.g. stop-writes or a truncated set (result code 22)."""

    code = 22


class EnterpriseOnly(ServerError):
    """The feature needs Aerospike Enterprise Edition (result code 25)."""

    code = 25


class OpNotApplicable(ServerError):
    """The operation cannot be applied to the current value (result code 26)."""

    code = 26


class LostConflict(ServerError):
    """The write lost an XDR conflict resolution (result code 28)."""

    code = 28


class BatchDisabledError(ServerError):
    """Batch commands are disabled on the server (result code 150)."""

    code = 150


class BatchMaxRequestError(ServerError):
    """Too many batch commands are in progress on the server (result code 151)."""

    code = 151


class BatchQueueFullError(ServerError):
    """The server's batch queues are full (result code 152)."""

    code = 152


class AerospikeIndexError(ServerError):
    """A secondary-index command failed (204: generic index error)."""

    code = 204


IndexError = AerospikeIndexError  # noqa: A001 - the official client's name for the family


class IndexFoundError(AerospikeIndexError):
    """An index with this name or definition already exists (result code 200)."""

    code = 200


class IndexNotFound(AerospikeIndexError):
    """The index does not exist (result code 201)."""

    code = 201


class IndexOOM(AerospikeIndexError):
    """The index ran out of memory (result code 202)."""

    code = 202


class IndexNotReadable(AerospikeIndexError):
    """The index is not readable yet, e.g. still being built (result code 203)."""

    code = 203


class IndexNameMaxLen(AerospikeIndexError):
    """The index name is too long (result code 205)."""

    code = 205


class IndexNameMaxCount(AerospikeIndexError):
    """The namespace has the maximum number of indexes (result code 206)."""

    code = 206


class QueryError(ServerError):
    """A query or scan failed (213: generic query error)."""

    code = 213


class QueryAbortedError(QueryError):
    """The query was aborted (result code 210)."""

    code = 210


class ScanAbortedError(QueryAbortedError):
    """The scan was aborted (result code 15)."""

    code = 15


class QueryQueueFull(QueryError):
    """The server's query queue is full (result code 211)."""

    code = 211


class QueryTimeout(QueryError):
    """The query timed out on the server (result code 212)."""

    code = 212


class UDFError(ServerError):
    """A user-defined function failed (result code 100)."""

    code = 100


class UDFNotFound(UDFError):
    """The UDF module or function was not found (1301, the official client's code)."""

    code = 1301


class LuaFileNotFound(UDFError):
    """The Lua file to register was not found (1302, the official client's code)."""

    code = 1302


class AdminError(ServerError):
    """A security or user/role administration command failed (result codes 50-89)."""

    code = None


class SecurityNotSupported(AdminError):
    """The server does not support security (result code 51)."""

    code = 51


class SecurityNotEnabled(AdminError):
    """Security is not enabled on the server (result code 52)."""

    code = 52


class SecuritySchemeNotSupported(AdminError):
    """The security scheme is not supported (result code 53)."""

    code = 53


class InvalidCommand(AdminError):
    """The administration command is invalid (result code 54)."""

    code = 54


class InvalidField(AdminError):
    """A field of the administration command is invalid (result code 55)."""

    code = 55


class IllegalState(AdminError):
    """The security command is illegal in the server's current state (result code 56)."""

    code = 56


class InvalidUser(AdminError):
    """The user name is invalid or the user does not exist (result code 60)."""

    code = 60


class UserExistsError(AdminError):
    """The user already exists (result code 61)."""

    code = 61


class InvalidPassword(AdminError):
    """The password is invalid (result code 62)."""

    code = 62


class ExpiredPassword(AdminError):
    """The password has expired (result code 63)."""

    code = 63


class ForbiddenPassword(AdminError):
    """The password was used recently and may not be reused (result code 64)."""

    code = 64


class InvalidCredential(AdminError):
    """The credential (user or password) is invalid (result code 65)."""

    code = 65


class ExpiredSession(AdminError):
    """The login session has expired (result code 66)."""

    code = 66


class InvalidRole(AdminError):
    """The role name is invalid or the role does not exist (result code 70)."""

    code = 70


class RoleExistsError(AdminError):
    """The role already exists (result code 71)."""

    code = 71


class InvalidPrivilege(AdminError):
    """The privilege is invalid (result code 72)."""

    code = 72


class InvalidWhitelist(AdminError):
    """The IP whitelist (allowlist) is invalid (result code 73)."""

    code = 73


class QuotasNotEnabled(AdminError):
    """Quotas are not enabled on the server (result code 74)."""

    code = 74


class InvalidQuota(AdminError):
    """The quota is invalid (result code 75)."""

    code = 75


class NotAuthenticated(AdminError):
    """The user is not authenticated (result code 80)."""

    code = 80


class RoleViolation(AdminError):
    """The user's roles do not allow the command (result code 81)."""

    code = 81


class NotWhitelisted(AdminError):
    """The client's address is not in the role's whitelist (result code 82)."""

    code = 82


class QuotaExceeded(AdminError):
    """The role's quota was exceeded (result code 83)."""

    code = 83


# Written out (not computed) so type checkers see the names; the ones that would shadow builtins
# (TimeoutError, IndexError, ConnectionError) stay out, so a star import never hides the builtins.
# tests/test_types.py checks it lists every other class.
__all__ = [
    "AerospikeError",
    "ClientError",
    "ParamError",
    "InvalidHostError",
    "ClientAbortError",
    "AsyncConnectionError",
    "TLSError",
    "NoResponse",
    "BatchFailed",
    "TransactionFailed",
    "TransactionAlreadyCommitted",
    "TransactionAlreadyAborted",
    "BackpressureError",
    "RustPanicError",
    "ClusterError",
    "NoMoreConnectionsError",
    "InvalidNodeError",
    "MaxErrorRateExceeded",
    "ClusterChangeError",
    "AerospikeTimeoutError",
    "MaxRetriesExceeded",
    "RecordError",
    "RecordNotFound",
    "RecordGenerationError",
    "RecordExistsError",
    "BinExistsError",
    "BinTypeError",
    "RecordTooBig",
    "RecordBusy",
    "BinNotFound",
    "RecordKeyMismatch",
    "BinNameError",
    "ElementNotFoundError",
    "ElementExistsError",
    "FilteredOut",
    "ServerError",
    "InvalidRequest",
    "InvalidGeoJSON",
    "ServerFull",
    "AlwaysForbidden",
    "UnsupportedFeature",
    "DeviceOverload",
    "NamespaceNotFound",
    "ForbiddenError",
    "EnterpriseOnly",
    "OpNotApplicable",
    "LostConflict",
    "BatchDisabledError",
    "BatchMaxRequestError",
    "BatchQueueFullError",
    "AerospikeIndexError",
    "IndexFoundError",
    "IndexNotFound",
    "IndexOOM",
    "IndexNotReadable",
    "IndexNameMaxLen",
    "IndexNameMaxCount",
    "QueryError",
    "QueryAbortedError",
    "ScanAbortedError",
    "QueryQueueFull",
    "QueryTimeout",
    "UDFError",
    "UDFNotFound",
    "LuaFileNotFound",
    "AdminError",
    "SecurityNotSupported",
    "SecurityNotEnabled",
    "SecuritySchemeNotSupported",
    "InvalidCommand",
    "InvalidField",
    "IllegalState",
    "InvalidUser",
    "UserExistsError",
    "InvalidPassword",
    "ExpiredPassword",
    "ForbiddenPassword",
    "InvalidCredential",
    "ExpiredSession",
    "InvalidRole",
    "RoleExistsError",
    "InvalidPrivilege",
    "InvalidWhitelist",
    "QuotasNotEnabled",
    "InvalidQuota",
    "NotAuthenticated",
    "RoleViolation",
    "NotWhitelisted",
    "QuotaExceeded",
    "InvalidArgError",
    "BinIncompatibleType",
]
