/** The claims of a Partner Partner user JWT (contract.md, Authentication). */
export interface JwtClaims {
  sub: string;
  org?: string;
  roles?: string[];
  exp?: number;
  iat?: number;
}

/** Who is calling, after the JWT was verified; `orgId` is the tenant every query is scoped to. */
export interface AuthenticatedUser {
  userId: string;
  orgId: string;
  roles: string[];
}

export const ADMIN_ROLE = 'admin';
