//! User and role administration (Aerospike Enterprise security): the `admin_*` commands as
//! futures both clients run. Arguments arrive checked (`methods::admin` parses them); the crate
//! speaks the admin protocol (message type 2) and the server's answer codes become the
//! `AdminError` classes in `errors.rs`.

use std::sync::Arc;

use aerospike::policy::AdminPolicy;
use aerospike::{Privilege, Role, User};

use crate::errors::AsError;

/// One admin command that answers nothing but success or an error.
pub(crate) enum AdminCall {
    CreateUser { user: String, password: String, roles: Vec<String> },
    CreatePkiUser { user: String, roles: Vec<String> },
    DropUser { user: String },
    /// A password change. For the logged-in user the crate sends CHANGE_PASSWORD with the old
    /// password (what a user without user-admin needs); for any other user, SET_PASSWORD (an
    /// administrator's command). `admin_change_password` and `admin_set_password` both map here.
    ChangePassword { user: String, password: String },
    GrantRoles { user: String, roles: Vec<String> },
    RevokeRoles { user: String, roles: Vec<String> },
    CreateRole { role: String, privileges: Vec<Privilege>, whitelist: Vec<String>, read_quota: u32, write_quota: u32 },
    DropRole { role: String },
    GrantPrivileges { role: String, privileges: Vec<Privilege> },
    RevokePrivileges { role: String, privileges: Vec<Privilege> },
    SetWhitelist { role: String, whitelist: Vec<String> },
    SetQuotas { role: String, read_quota: u32, write_quota: u32 },
}

fn strs(items: &[String]) -> Vec<&str> {
    items.iter().map(String::as_str).collect()
}

pub(crate) async fn run(client: Arc<aerospike::Client>, policy: AdminPolicy, call: AdminCall) -> Result<(), AsError> {
    let p = &policy;
    match call {
        AdminCall::CreateUser { user, password, roles } => client.create_user(p, &user, &password, &strs(&roles)).await?,
        AdminCall::CreatePkiUser { user, roles } => client.create_pki_user(p, &user, &strs(&roles)).await?,
        AdminCall::DropUser { user } => client.drop_user(p, &user).await?,
        AdminCall::ChangePassword { user, password } => client.change_password(p, &user, &password).await?,
        AdminCall::GrantRoles { user, roles } => client.grant_roles(p, &user, &strs(&roles)).await?,
        AdminCall::RevokeRoles { user, roles } => client.revoke_roles(p, &user, &strs(&roles)).await?,
        AdminCall::CreateRole { role, privileges, whitelist, read_quota, write_quota } => {
            client.create_role(p, &role, &privileges, &strs(&whitelist), read_quota, write_quota).await?;
        }
        AdminCall::DropRole { role } => client.drop_role(p, &role).await?,
        AdminCall::GrantPrivileges { role, privileges } => client.grant_privileges(p, &role, &privileges).await?,
        AdminCall::RevokePrivileges { role, privileges } => client.revoke_privileges(p, &role, &privileges).await?,
        AdminCall::SetWhitelist { role, whitelist } => client.set_allowlist(p, &role, &strs(&whitelist)).await?,
        AdminCall::SetQuotas { role, read_quota, write_quota } => client.set_quotas(p, &role, read_quota, write_quota).await?,
    }
    Ok(())
}

/// Users: one (`Some(name)`; an unknown name is the server's InvalidUser) or all.
pub(crate) async fn users(client: Arc<aerospike::Client>, policy: AdminPolicy, user: Option<String>) -> Result<Vec<User>, AsError> {
    Ok(client.query_users(&policy, user.as_deref()).await?)
}

/// Roles: one (`Some(name)`; an unknown name is the server's InvalidRole) or all.
pub(crate) async fn roles(client: Arc<aerospike::Client>, policy: AdminPolicy, role: Option<String>) -> Result<Vec<Role>, AsError> {
    Ok(client.query_roles(&policy, role.as_deref()).await?)
}
