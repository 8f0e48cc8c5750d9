//! Unit tests for the CDT ops: each family, flags, contexts, return types and hostile input.

use super::*;
