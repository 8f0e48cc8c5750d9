//! Expression operation dicts (`aerospike_py.exp.read_exp` / `write_exp`, codes 5001..) -> the
//! crate's expression read and write operations.

use aerospike::operations::exp::{self, ExpReadFlags, ExpWriteFlags};
use aerospike::operations::Operation;
use pyo3::prelude::*;

use super::fields::Fields;
use super::OpAnswer;
use crate::errors::param_error;
use crate::expressions::expression_from_py;

const READ: i64 = 5001;
const WRITE: i64 = 5002;

pub(super) fn decode(code: i64, f: &Fields<'_>) -> PyResult<(Operation, OpAnswer)> {
    let bin = f.bin()?;
    let expr = f.get("expr").ok_or_else(|| param_error("this operation needs \"expr\""))?;
    let expr = expression_from_py(expr).map_err(|e| crate::errors::with_context(expr.py(), e, "\"expr\""))?;
    match code {
        READ => {
            let flags = f.opt_int("flags")?.unwrap_or(0);
            if flags != 0 && flags != 16 {
                return Err(param_error(format!("\"flags\" {flags} of read_exp must be EXP_READ_DEFAULT or EXP_READ_EVAL_NO_FAIL")));
            }
            Ok((exp::read_exp(&bin, expr, ExpReadFlags::from_bits(flags)), OpAnswer::Value(bin)))
        }
        WRITE => {
            let flags = f.flags("flags", 31)?;
            Ok((exp::write_exp(&bin, expr, ExpWriteFlags::from_bits(flags)), OpAnswer::Nothing))
        }
        other => Err(param_error(format!("unknown expression operator {other}"))),
    }
}

/// Whether an expression operation only reads (a batch sends those as read rows).
pub(super) fn is_read(code: i64) -> bool {
    code == READ
}
