//! What can go wrong turning records into columns, said in terms of the user's bins.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnarError {
    /// A bin holds values of types that no Arrow type represents without loss.
    TypeConflict { bin: String, first: String, second: String },
    /// An integer that a float64 column cannot hold exactly.
    LossyPromotion { bin: String, value: i64 },
    /// A bin's name is also the name of a metadata column.
    NameClash { name: String },
    /// The caller's schema asks for a type the values cannot be converted to.
    Cast { bin: String, message: String },
    /// A NumPy layout the columns cannot fill (wrong field type, string too long, ...).
    Layout { field: String, message: String },
    /// An Arrow error that is not the caller's doing.
    Arrow(String),
}

impl fmt::Display for ColumnarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TypeConflict { bin, first, second } if bin == crate::KEY_COLUMN => write!(
                f,
                "the user keys are both {first} and {second}, which no single column type holds; pass \
                 meta_columns=False to leave the keys out, or on_type_conflict=\"null\""
            ),
            Self::TypeConflict { bin, first, second } => write!(
                f,
                "bin {bin:?} holds both {first} and {second} values, which no single column type holds \
                 without loss; pass a schema for it, or on_type_conflict=\"null\" to drop the values \
                 that don't fit"
            ),
            Self::LossyPromotion { bin, value } => write!(
                f,
                "bin {bin:?} mixes ints and floats, and the int {value} has no exact float64 form"
            ),
            Self::NameClash { name } => write!(
                f,
                "bin {name:?} has the name of a metadata column; read it with meta_columns=False"
            ),
            Self::Cast { bin, message } => write!(f, "bin {bin:?}: {message}"),
            Self::Layout { field, message } => write!(f, "field {field:?}: {message}"),
            Self::Arrow(message) => write!(f, "arrow: {message}"),
        }
    }
}

impl std::error::Error for ColumnarError {}

impl From<arrow_schema::ArrowError> for ColumnarError {
    fn from(err: arrow_schema::ArrowError) -> Self {
        Self::Arrow(err.to_string())
    }
}
