//! `admin_*`: users, roles, privileges, whitelists and quotas (the seed's Admin section, with
//! the official client's names too), on both clients. Arguments are checked here, before
//! anything is sent: an unknown privilege code, a set without a namespace, a scope on a global
//! privilege, a whitelist entry that is not an address or CIDR block, a quota out of range.
//!
//! Results are plain dicts shaped as `aerospike_py.types.UserInfo` / `RoleInfo` / `Privilege`,
//! carrying both the seed project's keys and the official client's.

use aerospike::{Privilege, PrivilegeCode, Role, User};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::async_client::PyAsyncClient;
use crate::client::PyClient;
use crate::connection::Connection;
use crate::convert::sequence;
use crate::errors::{for_result_code, AsError};
use crate::ops::admin::{self, AdminCall};
use crate::runtime::{spawn, wait};
use super::{awaitable, to_object};

/// Privilege codes by name, as the server and the official clients spell them.
const PRIVILEGES: &[(u8, &str)] = &[
    (0, "user-admin"),
    (1, "sys-admin"),
    (2, "data-admin"),
    (3, "udf-admin"),
    (4, "sindex-admin"),
    (10, "read"),
    (11, "read-write"),
    (12, "read-write-udf"),
    (13, "write"),
    (14, "truncate"),
];

/// Codes below this are global (administration); from it on they may be scoped to a namespace
/// or a set.
const FIRST_SCOPED: u8 = 10;

fn privilege_name(code: u8) -> &'static str {
    PRIVILEGES.iter().find(|(c, _)| *c == code).map_or("?", |(_, n)| n)
}

/// A non-empty name (user or role).
fn name(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let text = value.cast::<PyString>().map_err(|_| PyTypeError::new_err(format!("{what} is a str, not {}", type_name(value))))?.to_str()?.to_owned();
    if text.is_empty() {
        return Err(PyValueError::new_err(format!("{what} is empty")));
    }
    Ok(text)
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// A list of role names.
fn role_names(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    sequence(value, what)?.iter().enumerate().map(|(i, role)| name(role, &format!("{what}[{i}]"))).collect()
}

/// `{"code": PRIV_* or "read-write", "ns": ..., "set": ...}` -> the crate's privilege.
fn privilege(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Privilege> {
    let dict = value.cast::<PyDict>().map_err(|_| PyTypeError::new_err(format!("{what} is a dict {{\"code\": PRIV_*, \"ns\": ..., \"set\": ...}}, not {}", type_name(value))))?;
    let mut code: Option<u8> = None;
    let (mut namespace, mut set) = (None, None);
    for (key, item) in dict.iter() {
        let key: String = key.extract().map_err(|_| PyTypeError::new_err(format!("{what} has a key that is not a str")))?;
        match key.as_str() {
            "code" => code = Some(privilege_code(&item, what)?),
            "ns" | "namespace" => namespace = optional_text(&item, &format!("{what}[{key:?}]"))?,
            "set" | "set_name" => set = optional_text(&item, &format!("{what}[{key:?}]"))?,
            other => return Err(PyValueError::new_err(format!("{what} has an unknown key {other:?}; a privilege takes \"code\", \"ns\" and \"set\""))),
        }
    }
    let code = code.ok_or_else(|| PyValueError::new_err(format!("{what} has no \"code\"")))?;
    if set.is_some() && namespace.is_none() {
        return Err(PyValueError::new_err(format!("{what} names a set but no namespace: a set is scoped inside a namespace (\"ns\")")));
    }
    if code < FIRST_SCOPED && namespace.is_some() {
        return Err(PyValueError::new_err(format!("{what}: {} is a global privilege; it takes no namespace or set", privilege_name(code))));
    }
    let code = PrivilegeCode::try_from(code).map_err(|e| PyValueError::new_err(format!("{what}: {e}")))?;
    Ok(Privilege::new(code, namespace, set))
}

/// An int code (`PRIV_*`) or a name (`"read-write"`).
fn privilege_code(value: &Bound<'_, PyAny>, what: &str) -> PyResult<u8> {
    let known = || PRIVILEGES.iter().map(|(c, n)| format!("{c} ({n})")).collect::<Vec<_>>().join(", ");
    if let Ok(text) = value.cast::<PyString>() {
        let text = text.to_str()?;
        return PRIVILEGES
            .iter()
            .find(|(_, n)| *n == text)
            .map(|(c, _)| *c)
            .ok_or_else(|| PyValueError::new_err(format!("{what}: unknown privilege {text:?}; the privileges are {}", known())));
    }
    let code: i64 = value.extract().map_err(|_| PyTypeError::new_err(format!("{what}: a privilege code is a PRIV_* int or a name, not {}", type_name(value))))?;
    PRIVILEGES
        .iter()
        .find(|(c, _)| i64::from(*c) == code)
        .map(|(c, _)| *c)
        .ok_or_else(|| PyValueError::new_err(format!("{what}: unknown privilege code {code}; the codes are {}", known())))
}

/// A str, or None / "" for absent.
fn optional_text(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<String>> {
    if value.is_none() {
        return Ok(None);
    }
    let text: String = value.extract().map_err(|_| PyTypeError::new_err(format!("{what} is a str, not {}", type_name(value))))?;
    Ok(Some(text).filter(|t| !t.is_empty()))
}

fn privileges(value: &Bound<'_, PyAny>) -> PyResult<Vec<Privilege>> {
    sequence(value, "privileges")?.iter().enumerate().map(|(i, p)| privilege(p, &format!("privileges[{i}]"))).collect()
}

/// Client addresses a role may log in from: IPv4 or IPv6 addresses, or CIDR blocks of them.
fn whitelist(value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    let Some(value) = value.filter(|v| !v.is_none()) else { return Ok(Vec::new()) };
    sequence(value, "whitelist")?
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let what = format!("whitelist[{i}]");
            let text: String = entry.extract().map_err(|_| PyTypeError::new_err(format!("{what} is a str, not {}", type_name(entry))))?;
            check_whitelist_entry(&text).map_err(|why| PyValueError::new_err(format!("{what} {text:?} {why}")))?;
            Ok(text)
        })
        .collect()
}

/// `addr` or `addr/prefix`, the prefix within the address's width.
fn check_whitelist_entry(entry: &str) -> Result<(), &'static str> {
    let (addr, prefix) = match entry.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (entry, None),
    };
    let width = match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => 32,
        Ok(std::net::IpAddr::V6(_)) => 128,
        Err(_) => return Err("is not an IP address or CIDR block (such as 10.0.0.0/8)"),
    };
    match prefix.map(str::parse::<u8>) {
        None => Ok(()),
        Some(Ok(bits)) if bits <= width => Ok(()),
        Some(_) => Err("has a prefix length out of range"),
    }
}

fn quota(value: i64, what: &str) -> PyResult<u32> {
    u32::try_from(value).map_err(|_| PyValueError::new_err(format!("{what} is records per second, 0 (no limit) to {}, not {value}", u32::MAX)))
}

/// `policies["admin"]` of the config, with this call's `policy` applied.
fn policy_of(conn: &Connection, policy: Option<&Bound<'_, PyAny>>) -> PyResult<aerospike::policy::AdminPolicy> {
    crate::policy::admin_policy_from(&conn.defaults().admin, policy, "admin")
}

/// What an admin call answers, converted on the caller's (or the event loop's) thread.
pub(crate) enum AdminAnswer {
    None,
    User(String, Vec<User>),
    Users(Vec<User>),
    Role(String, Vec<Role>),
    Roles(Vec<Role>),
    RolesByName(Vec<Role>),
}

fn user_info<'py>(py: Python<'py>, user: &User) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("user", &user.user)?;
    out.set_item("roles", &user.roles)?;
    out.set_item("read_info", &user.read_info)?;
    out.set_item("write_info", &user.write_info)?;
    out.set_item("conns_in_use", user.conns_in_use)?;
    Ok(out)
}

fn role_info<'py>(py: Python<'py>, role: &Role) -> PyResult<Bound<'py, PyDict>> {
    let privileges = PyList::empty(py);
    for p in &role.privileges {
        let item = PyDict::new(py);
        item.set_item("code", u8::from(&p.code))?;
        item.set_item("ns", p.namespace.as_deref().unwrap_or(""))?;
        item.set_item("set", p.set_name.as_deref().unwrap_or(""))?;
        privileges.append(item)?;
    }
    let out = PyDict::new(py);
    out.set_item("name", &role.name)?;
    out.set_item("privileges", privileges)?;
    out.set_item("whitelist", &role.allowlist)?;
    out.set_item("allowlist", &role.allowlist)?;
    out.set_item("read_quota", role.read_quota)?;
    out.set_item("write_quota", role.write_quota)?;
    Ok(out)
}

impl<'py> IntoPyObject<'py> for AdminAnswer {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            AdminAnswer::None => py.None().into_bound(py),
            AdminAnswer::User(name, users) => match users.iter().find(|u| u.user == name).or(users.first()) {
                Some(user) => user_info(py, user)?.into_any(),
                None => return Err(for_result_code(60, format!("no user {name:?} on the server"), false, None)),
            },
            AdminAnswer::Users(users) => PyList::new(py, users.iter().map(|u| user_info(py, u)).collect::<PyResult<Vec<_>>>()?)?.into_any(),
            AdminAnswer::Role(name, roles) => match roles.iter().find(|r| r.name == name).or(roles.first()) {
                Some(role) => role_info(py, role)?.into_any(),
                None => return Err(for_result_code(70, format!("no role {name:?} on the server"), false, None)),
            },
            AdminAnswer::Roles(roles) => PyList::new(py, roles.iter().map(|r| role_info(py, r)).collect::<PyResult<Vec<_>>>()?)?.into_any(),
            AdminAnswer::RolesByName(roles) => {
                let out = PyDict::new(py);
                for role in &roles {
                    out.set_item(&role.name, role_info(py, role)?)?;
                }
                out.into_any()
            }
        })
    }
}

async fn done(fut: impl std::future::Future<Output = Result<(), AsError>>) -> Result<AdminAnswer, AsError> {
    fut.await.map(|()| AdminAnswer::None)
}

macro_rules! admin_methods {
    ($class:ident, $ret:ty, $wait:ident, $finish:expr) => {
        #[pymethods]
        impl $class {
            /// Creates a user with a password and roles (`["read-write", "my-role"]`).
            #[pyo3(signature = (username, password, roles, policy=None))]
            fn admin_create_user<'py>(&self, py: Python<'py>, username: &Bound<'_, PyAny>, password: &Bound<'_, PyAny>, roles: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let call = AdminCall::CreateUser { user: name(username, "username")?, password: name(password, "password")?, roles: role_names(roles, "roles")? };
                self.admin_call(py, call, policy)
            }

            /// Creates a user who logs in with a TLS client certificate (`AUTH_PKI`) whose
            /// common name is `username`; it has no password.
            #[pyo3(signature = (username, roles, policy=None))]
            fn admin_create_pki_user<'py>(&self, py: Python<'py>, username: &Bound<'_, PyAny>, roles: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let call = AdminCall::CreatePkiUser { user: name(username, "username")?, roles: role_names(roles, "roles")? };
                self.admin_call(py, call, policy)
            }

            /// Drops a user; their open sessions end.
            #[pyo3(signature = (username, policy=None))]
            fn admin_drop_user<'py>(&self, py: Python<'py>, username: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                self.admin_call(py, AdminCall::DropUser { user: name(username, "username")? }, policy)
            }

            /// Changes a password: the logged-in user's own (sent with the old one, so no
            /// user-admin privilege is needed), or, for another user, as an administrator.
            #[pyo3(signature = (username, password, policy=None))]
            fn admin_change_password<'py>(&self, py: Python<'py>, username: &Bound<'_, PyAny>, password: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let call = AdminCall::ChangePassword { user: name(username, "username")?, password: name(password, "password")? };
                self.admin_call(py, call, policy)
            }

            /// Sets another user's password, as an administrator (the official client's name).
            #[pyo3(signature = (username, password, policy=None))]
            fn admin_set_password<'py>(&self, py: Python<'py>, username: &Bound<'_, PyAny>, password: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                self.admin_change_password(py, username, password, policy)
            }

            /// Adds roles to a user.
            #[pyo3(signature = (username, roles, policy=None))]
            fn admin_grant_roles<'py>(&self, py: Python<'py>, username: &Bound<'_, PyAny>, roles: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                self.admin_call(py, AdminCall::GrantRoles { user: name(username, "username")?, roles: role_names(roles, "roles")? }, policy)
            }

            /// Removes roles from a user.
            #[pyo3(signature = (username, roles, policy=None))]
            fn admin_revoke_roles<'py>(&self, py: Python<'py>, username: &Bound<'_, PyAny>, roles: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                self.admin_call(py, AdminCall::RevokeRoles { user: name(username, "username")?, roles: role_names(roles, "roles")? }, policy)
            }

            /// One user: `UserInfo` (`{"user", "roles", "read_info", "write_info", "conns_in_use"}`).
            #[pyo3(signature = (username, policy=None))]
            fn admin_query_user<'py>(&self, py: Python<'py>, username: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let user = name(username, "username")?;
                let fut = admin::users(self.conn.client()?, policy_of(&self.conn, policy)?, Some(user.clone()));
                let out = $wait(py, async move { Ok(AdminAnswer::User(user, fut.await?)) })?;
                $finish(py, out)
            }

            /// One user (the seed project's and the official client's name): as `admin_query_user`.
            #[pyo3(signature = (user, policy=None))]
            fn admin_query_user_info<'py>(&self, py: Python<'py>, user: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                self.admin_query_user(py, user, policy)
            }

            /// Every user: a list of `UserInfo`.
            #[pyo3(signature = (policy=None))]
            fn admin_query_users<'py>(&self, py: Python<'py>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let fut = admin::users(self.conn.client()?, policy_of(&self.conn, policy)?, None);
                let out = $wait(py, async move { Ok(AdminAnswer::Users(fut.await?)) })?;
                $finish(py, out)
            }

            /// Every user (the seed project's name): as `admin_query_users`, a list of `UserInfo`.
            #[pyo3(signature = (policy=None))]
            fn admin_query_users_info<'py>(&self, py: Python<'py>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                self.admin_query_users(py, policy)
            }

            /// Creates a role with privileges (`[{"code": PRIV_READ, "ns": "test", "set": "demo"}]`),
            /// and optionally the client addresses it may log in from and read/write quotas in
            /// records per second (0: no limit).
            #[pyo3(signature = (role, privileges, policy=None, whitelist=None, read_quota=0, write_quota=0))]
            #[allow(clippy::too_many_arguments)]
            fn admin_create_role<'py>(&self, py: Python<'py>, role: &Bound<'_, PyAny>, privileges: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>, whitelist: Option<&Bound<'_, PyAny>>, read_quota: i64, write_quota: i64) -> PyResult<$ret> {
                let call = AdminCall::CreateRole {
                    role: name(role, "role")?,
                    privileges: self::privileges(privileges)?,
                    whitelist: self::whitelist(whitelist)?,
                    read_quota: quota(read_quota, "read_quota")?,
                    write_quota: quota(write_quota, "write_quota")?,
                };
                self.admin_call(py, call, policy)
            }

            /// Drops a role; users keep its name in their roles until revoked.
            #[pyo3(signature = (role, policy=None))]
            fn admin_drop_role<'py>(&self, py: Python<'py>, role: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                self.admin_call(py, AdminCall::DropRole { role: name(role, "role")? }, policy)
            }

            /// Adds privileges to a role.
            #[pyo3(signature = (role, privileges, policy=None))]
            fn admin_grant_privileges<'py>(&self, py: Python<'py>, role: &Bound<'_, PyAny>, privileges: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                self.admin_call(py, AdminCall::GrantPrivileges { role: name(role, "role")?, privileges: self::privileges(privileges)? }, policy)
            }

            /// Removes privileges from a role.
            #[pyo3(signature = (role, privileges, policy=None))]
            fn admin_revoke_privileges<'py>(&self, py: Python<'py>, role: &Bound<'_, PyAny>, privileges: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                self.admin_call(py, AdminCall::RevokePrivileges { role: name(role, "role")?, privileges: self::privileges(privileges)? }, policy)
            }

            /// One role: `RoleInfo` (`{"name", "privileges", "whitelist", "allowlist",
            /// "read_quota", "write_quota"}`).
            #[pyo3(signature = (role, policy=None))]
            fn admin_query_role<'py>(&self, py: Python<'py>, role: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let role = name(role, "role")?;
                let fut = admin::roles(self.conn.client()?, policy_of(&self.conn, policy)?, Some(role.clone()));
                let out = $wait(py, async move { Ok(AdminAnswer::Role(role, fut.await?)) })?;
                $finish(py, out)
            }

            /// One role (the official client's name): as `admin_query_role`.
            #[pyo3(signature = (role, policy=None))]
            fn admin_get_role<'py>(&self, py: Python<'py>, role: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                self.admin_query_role(py, role, policy)
            }

            /// Every role: a list of `RoleInfo`.
            #[pyo3(signature = (policy=None))]
            fn admin_query_roles<'py>(&self, py: Python<'py>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let fut = admin::roles(self.conn.client()?, policy_of(&self.conn, policy)?, None);
                let out = $wait(py, async move { Ok(AdminAnswer::Roles(fut.await?)) })?;
                $finish(py, out)
            }

            /// Every role by name (the official client's `admin_get_roles`): `{name: RoleInfo}`.
            #[pyo3(signature = (policy=None))]
            fn admin_get_roles<'py>(&self, py: Python<'py>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let fut = admin::roles(self.conn.client()?, policy_of(&self.conn, policy)?, None);
                let out = $wait(py, async move { Ok(AdminAnswer::RolesByName(fut.await?)) })?;
                $finish(py, out)
            }

            /// Sets the client addresses (IPs or CIDR blocks) a role's users may log in from;
            /// an empty list allows any.
            #[pyo3(signature = (role, whitelist, policy=None))]
            fn admin_set_whitelist<'py>(&self, py: Python<'py>, role: &Bound<'_, PyAny>, whitelist: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                self.admin_call(py, AdminCall::SetWhitelist { role: name(role, "role")?, whitelist: self::whitelist(Some(whitelist))? }, policy)
            }

            /// Sets a role's read and write quotas, in records per second (0: no limit).
            #[pyo3(signature = (role, read_quota=0, write_quota=0, policy=None))]
            fn admin_set_quotas<'py>(&self, py: Python<'py>, role: &Bound<'_, PyAny>, read_quota: i64, write_quota: i64, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let call = AdminCall::SetQuotas { role: name(role, "role")?, read_quota: quota(read_quota, "read_quota")?, write_quota: quota(write_quota, "write_quota")? };
                self.admin_call(py, call, policy)
            }
        }

        impl $class {
            fn admin_call<'py>(&self, py: Python<'py>, call: AdminCall, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let out = $wait(py, done(admin::run(self.conn.client()?, policy_of(&self.conn, policy)?, call)))?;
                $finish(py, out)
            }
        }
    };
}

admin_methods!(PyClient, Py<PyAny>, wait, to_object);
admin_methods!(PyAsyncClient, Bound<'py, PyAny>, spawn, awaitable);

#[cfg(test)]
mod tests {
    use super::check_whitelist_entry;

    #[test]
    fn whitelist_entries_are_addresses_or_cidr_blocks() {
        for ok in ["10.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "::1", "2001:db8::/32", "192.168.1.0/32"] {
            assert!(check_whitelist_entry(ok).is_ok(), "{ok}");
        }
        for bad in ["", "10.0.0.0/33", "::/129", "localhost", "10.0.0/8", "10.0.0.1/x", "1.2.3.4/"] {
            assert!(check_whitelist_entry(bad).is_err(), "{bad}");
        }
    }
}
