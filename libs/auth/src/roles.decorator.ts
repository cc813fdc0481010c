import { SetMetadata } from '@nestjs/common';
import type { UserRole } from '@app/contracts';

export const ROLES_KEY = 'parley:roles';

/** The roles allowed on a controller or handler; checked by {@link RolesGuard} after {@link AuthGuard}. */
export const Roles = (...roles: UserRole[]) => SetMetadata(ROLES_KEY, roles);
