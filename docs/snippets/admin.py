import aerospike_py as aerospike

server = aerospike.LocalServer(security=True).start()
client = aerospike.client(server.config).connect("admin", "admin")

# --8<-- [start:users]
client.admin_create_user("new_user", "password", ["read-write"])
client.admin_grant_roles("new_user", ["sys-admin"])
print(client.admin_query_user("new_user")["roles"])  # ['read-write', 'sys-admin']
client.admin_revoke_roles("new_user", ["sys-admin"])
client.admin_change_password("new_user", "new-password")
client.admin_drop_user("new_user")
# --8<-- [end:users]

# --8<-- [start:roles]
client.admin_create_role("custom_role", [
    {"code": aerospike.PRIV_READ, "ns": "test", "set": "demo"}
])
client.admin_grant_privileges("custom_role", [{"code": aerospike.PRIV_WRITE, "ns": "test", "set": "demo"}])
client.admin_set_whitelist("custom_role", ["127.0.0.0/8"])
client.admin_set_quotas("custom_role", read_quota=1000, write_quota=500)
role = client.admin_query_role("custom_role")
print(len(role["privileges"]), role["whitelist"], role["read_quota"])  # 2 ['127.0.0.0/8'] 1000
client.admin_drop_role("custom_role")
# --8<-- [end:roles]

# --8<-- [start:refused]
client.admin_create_user("reader", "pw", ["read"])
with aerospike.client(server.config).connect("reader", "pw") as reader:
    try:
        reader.put(("test", "demo", 1), {"v": 1})
    except aerospike.RoleViolation as e:
        print(e.result_code)  # 81
# --8<-- [end:refused]

client.close()
server.stop()
