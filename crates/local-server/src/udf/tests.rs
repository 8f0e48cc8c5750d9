//! Unit tests: values both ways, the record API, the registry, sandbox escapes, limits.

use super::*;
