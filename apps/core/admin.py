# The audit log's admin is registered by apps.accounts.admin with the other site-management
# pages (it needs the Admin role's permission, which core does not know).
