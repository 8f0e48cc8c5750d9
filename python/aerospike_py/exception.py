"""The exception hierarchy of aerospike-py.

Every error raised by the client is an :class:`AerospikeError`. Each carries the facts needed to
handle it without parsing its message: ``result_code`` (the server's result code, or a negative
client-side code), ``in_doubt`` (a write may have been applied although the command failed) and
``node`` (the node that answered, when known). The native module maps each result code to one of
these classes in a single table (``src/errors.rs``)::

    AerospikeError
    ├── ClientError                 client-side failures (no server answer)
    │   └── ParamError              bad arguments, raised before anything is sent (also a ValueError)
    ├── ClusterError                connection, node and partition problems
    ├── AerospikeTimeoutError       the command did not finish in time
    ├── RecordError                 the record or its bins prevented the command
    │   ├── RecordNotFound (2)      RecordGenerationError (3)   RecordExistsError (5)
    │   ├── BinExistsError (6)      BinTypeError (12)           RecordTooBig (13)
    │   ├── RecordBusy (14)         BinNotFound (17)            BinNameError (21)
    │   ├── ElementNotFoundError (23)  ElementExistsError (24)  FilteredOut (27)
    └── ServerError                 everything else the server refused
        ├── InvalidRequest (4)      OpNotApplicable (26)        UnsupportedFeature (16)
        ├── EnterpriseOnly (25)     NamespaceNotFound (20)
        ├── AerospikeIndexError     IndexFoundError (200), IndexNotFound (201), ...
        ├── QueryError              QueryAbortedError (210)
        ├── UDFError (100)
        └── AdminError              security and user/role errors

>>> from aerospike_py.exception import RecordNotFound, RecordError
>>> err = RecordNotFound("record not found", 2)
>>> isinstance(err, RecordError), err.result_code, err.in_doubt
(True, 2, False)
"""

from __future__ import annotations


class AerospikeError(Exception):
    """Base class of every error raised by aerospike-py.

    Attributes:
        message: what failed, naming the key or node where known.
        result_code: the Aerospike result code (server codes are >= 0, client-side codes < 0).
        in_doubt: True when a write may have been applied even though the command failed.
        node: the node (name or address) that answered, or None.
    """

    def __init__(
        self, message: str = "", result_code: int = -1, in_doubt: bool = False, node: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.result_code = result_code
        self.in_doubt = in_doubt
        self.node = node

    @property
    def code(self) -> int:
        """The result code under the name the official client uses."""
        return self.result_code

    def __reduce__(self):  # keep the facts across pickling (multiprocessing, joblib)
        return (type(self), (self.message, self.result_code, self.in_doubt, self.node))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, result_code={self.result_code})"


class ClientError(AerospikeError):
    """The client failed without a server answer: not connected, used after fork, internal error."""


class ParamError(ClientError, ValueError):
    """An argument is invalid; raised before anything is sent to the server."""


InvalidArgError = ParamError


class ClusterError(AerospikeError):
    """The cluster could not be reached or a node/partition was unavailable."""


class AerospikeTimeoutError(AerospikeError):
    """The command did not complete within its timeout (server code 9 or a client timeout)."""


TimeoutError = AerospikeTimeoutError  # noqa: A001 - the name SPEC gives the family


class RecordError(AerospikeError):
    """The state of the record or of its bins prevented the command."""


class RecordNotFound(RecordError):
    """The record does not exist (result code 2)."""


class RecordGenerationError(RecordError):
    """The generation check failed (result code 3)."""


class RecordExistsError(RecordError):
    """The record already exists and the policy demanded creation (result code 5)."""


class BinExistsError(RecordError):
    """The bin already exists and the operation demanded creation (result code 6)."""


class BinTypeError(RecordError):
    """The operation does not apply to the bin's type (result code 12)."""


class RecordTooBig(RecordError):
    """The record would exceed the namespace's record-size limit (result code 13)."""


class RecordBusy(RecordError):
    """Too many concurrent writes to the same record (result code 14)."""


class BinNotFound(RecordError):
    """The bin does not exist (result code 17)."""


class BinNameError(RecordError):
    """The bin name is too long or otherwise invalid (result code 21)."""


class ElementNotFoundError(RecordError):
    """A map key or list element required by the operation does not exist (result code 23)."""


class ElementExistsError(RecordError):
    """A map key or list element that must not exist already does (result code 24)."""


class FilteredOut(RecordError):
    """The record did not match the filter expression (result code 27)."""


class ServerError(AerospikeError):
    """The server refused the command for a reason not tied to the record's state."""


class InvalidRequest(ServerError):
    """The server found the request invalid (result code 4)."""


class UnsupportedFeature(ServerError):
    """The server does not support this feature (result code 16)."""


class NamespaceNotFound(ServerError):
    """The namespace does not exist on the server (result code 20)."""


class EnterpriseOnly(ServerError):
    """The feature needs Aerospike Enterprise Edition (result code 25)."""


class OpNotApplicable(ServerError):
    """The operation cannot be applied to the current value (result code 26)."""


class AerospikeIndexError(ServerError):
    """A secondary-index command failed."""


IndexError = AerospikeIndexError  # noqa: A001 - the name SPEC gives the family


class IndexFoundError(AerospikeIndexError):
    """An index with this name or definition already exists (result code 200)."""


class IndexNotFound(AerospikeIndexError):
    """The index does not exist (result code 201)."""


class QueryError(ServerError):
    """A query or scan failed."""


class QueryAbortedError(QueryError):
    """The query was aborted (result code 210)."""


class UDFError(ServerError):
    """A user-defined function failed (result code 100)."""


class AdminError(ServerError):
    """A security or user/role administration command failed."""


# Aliases (TimeoutError, IndexError) stay out of __all__ so that a star-import never shadows builtins.
__all__ = [
    name
    for name, value in list(globals().items())
    if isinstance(value, type) and issubclass(value, AerospikeError) and name == value.__name__
]
__all__ += ["InvalidArgError"]
