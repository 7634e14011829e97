import { requireRole } from "../../services/admin-auth";

/** What the admin sub-apps share: their OpenAPI tag and the role gates. */
export const tags = ["admin"];
/** Writes: superadmins and admins (operators only read). */
export const writers = requireRole("superadmin", "admin");
/** Accounts and config: superadmins only. */
export const superadmins = requireRole("superadmin");
