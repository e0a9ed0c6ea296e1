// The fields of a path's permissions: what diff compares and restore sets, each one a
// name --ignore takes.

export const PERMISSION_FIELDS = ['owner', 'group', 'mode', 'acl', 'default-acl', 'capability'] as const;
export type PermissionField = (typeof PERMISSION_FIELDS)[number];
